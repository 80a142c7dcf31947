"""The sandbox's HTTP routes: control plane, gateway (Graph) and admin API."""
