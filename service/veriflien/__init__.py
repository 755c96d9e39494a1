"""Vérif'Lien: check, without opening it, a link a blackmailer claims shows an intimate video."""

__version__ = "0.1.0"
