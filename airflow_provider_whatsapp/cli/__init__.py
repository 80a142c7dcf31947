"""Console commands of the provider (``whatsapp-templates``); the sandbox's own is ``whatsapp-sandbox``."""
