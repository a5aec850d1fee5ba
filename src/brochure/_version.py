"""The package version, in one place: the package's metadata (pyproject.toml's `version`)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("brochure")
except PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"
