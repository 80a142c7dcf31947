"""Hooks: the only layer that speaks HTTP to Maton's gateway (``hooks.whatsapp.MatonWhatsAppHook``).

Empty on purpose, like Airflow's own providers: importing a light module of this package (``hooks.lazy``)
must not load the hook, urllib3 and the models.
"""
