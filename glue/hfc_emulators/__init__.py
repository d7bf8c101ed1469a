"""Emulators of the cloud services the Glue jobs talk to, run on loopback (hfc_emulators.servers)."""
