"""syres: the operations system of SYRES Télécom."""

__version__ = "0.1.0"
