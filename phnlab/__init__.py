"""phnlab: Partial Hypernetworks for Continual Learning, as a library and an executable book."""

__version__ = "0.1.0"
__all__ = ["__version__"]
