"""Local stand-in for Maton's WhatsApp gateway, its control plane and the WhatsApp Cloud API.

Stands apart from the rest of the provider: it imports nothing from it. See ``README.md`` here.
"""

from .app import create_app
from .config import FaultDefaults, SandboxConfig
from .server import SandboxServer

__all__ = ["FaultDefaults", "SandboxConfig", "SandboxServer", "create_app"]
