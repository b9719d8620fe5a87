"""srfpipe: one-gradient-step two-layer networks, spiked random features and their asymptotics."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("srfpipe")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
