"""Finding methodologies: entry points, TOML folders, and one validated registry.

Built-in methodologies are registered exactly like third-party ones, through the
entry-point group ``rankings.methodologies``. An entry point may name a
:class:`~rankings.methodology.Methodology`, an iterable of them, or a callable that
returns either. Discovery is lazy and happens once per set of options. Setting the
environment variable ``RANKINGS_DISABLE_PLUGIN_AUTOLOAD`` to a non-empty value loads
only the entry points that this package itself declares (the built-ins).

A plugin is imported (and its factory called) with its stdout sent to stderr, and any
failure there, ``sys.exit`` included, is a :class:`~rankings.errors.PluginError`
naming the entry point. During discovery a third-party plugin that fails that way is
skipped with one :class:`~rankings.errors.RankingsWarning` (naming it, its source and
``RANKINGS_DISABLE_PLUGIN_AUTOLOAD``); every other methodology stays available, and asking
for the broken one by name raises its :class:`~rankings.errors.PluginError`.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from rankings._plugin_io import exit_text, stdout_to_stderr
from rankings.declarative import load_toml
from rankings.errors import MethodologyError, PluginError, RankingsError, RankingsWarning, UnknownNameError
from rankings.methodology import Methodology

ENTRY_POINT_GROUP = "rankings.methodologies"
AUTOLOAD_ENV = "RANKINGS_DISABLE_PLUGIN_AUTOLOAD"
_BUILTIN_TARGET = "rankings._builtin:methodologies"


class Registry:
    """Methodologies by name, each remembered with where it came from."""

    def __init__(self) -> None:
        self._methods: dict[str, Methodology] = {}
        self.broken: dict[str, str] = {}
        """Entry-point name -> why the plugin was skipped at discovery."""

    def register(self, method: Any, source: str) -> Methodology:
        """Validate and add one methodology; a duplicate name names both sources."""
        if not isinstance(method, Methodology):
            raise MethodologyError(
                f"{source} must provide rankings.Methodology objects (got {type(method).__name__})"
            )
        if method.name in self._methods:
            other = self._methods[method.name].source
            raise MethodologyError(
                f"methodology name {method.name!r} must be unique (got it from {other} and from {method.source})"
            )
        self._methods[method.name] = method
        return method

    def get(self, name: str) -> Methodology:
        try:
            return self._methods[name]
        except KeyError:
            if name in self.broken:
                raise PluginError(self.broken[name]) from None
            raise UnknownNameError("methodology", name, sorted(self._methods)) from None

    def names(self) -> list[str]:
        return list(self._methods)

    def __iter__(self) -> Iterator[Methodology]:
        return iter(self._methods.values())

    def __len__(self) -> int:
        return len(self._methods)

    def __contains__(self, name: object) -> bool:
        return name in self._methods


def _expand(obj: Any, source: str) -> list[Any]:
    if isinstance(obj, Methodology):
        return [obj]
    if callable(obj):
        try:
            with stdout_to_stderr():
                obj = obj()
        except RankingsError:
            raise
        except SystemExit as exc:
            raise PluginError(f"{source} failed when called: it {exit_text(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - a plugin's own failure, reported with its name
            raise PluginError(f"{source} failed when called: {type(exc).__name__}: {exc}") from None
        if isinstance(obj, Methodology):
            return [obj]
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes)):
        return list(obj)
    raise MethodologyError(f"{source} must provide a Methodology, a list of them or a callable (got {type(obj).__name__})")


def _load_entry_point(ep: EntryPoint) -> list[Any]:
    source = f"plugin entry point {ep.name!r} ({ep.value})"
    try:
        with stdout_to_stderr():  # prints at import time must not corrupt the caller's stdout
            obj = ep.load()
    except SystemExit as exc:
        raise PluginError(f"{source} failed to load: it {exit_text(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - import errors of any kind are reported, never swallowed
        raise PluginError(f"{source} failed to load: {type(exc).__name__}: {exc}") from None
    return [
        dataclasses.replace(item, source=source) if isinstance(item, Methodology) and item.source == "python" else item
        for item in _expand(obj, source)
    ]


def _builtin_entry_points(eps: Sequence[EntryPoint]) -> list[EntryPoint]:
    return [ep for ep in eps if ep.value.replace(" ", "") == _BUILTIN_TARGET]


def methods_from_dir(folder: str | Path) -> list[Methodology]:
    """Every ``*.toml`` methodology in a folder, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MethodologyError(f"--methods-dir must be a folder (got {str(folder)!r})")
    return [load_toml(path) for path in sorted(folder.glob("*.toml"))]


def discover(methods_dirs: Sequence[str | Path] = (), *, autoload: bool | None = None) -> Registry:
    """Build a registry from entry points and folders of TOML files.

    Parameters
    ----------
    methods_dirs : folders of TOML methodologies (``--methods-dir``).
    autoload : load third-party entry points; defaults to True unless
        ``RANKINGS_DISABLE_PLUGIN_AUTOLOAD`` is set.
    """
    if autoload is None:
        autoload = not os.environ.get(AUTOLOAD_ENV)
    registry = Registry()
    eps = list(entry_points(group=ENTRY_POINT_GROUP))
    builtin = _builtin_entry_points(eps)
    chosen = eps if autoload else builtin
    if not builtin:
        # running from a source tree that was never installed: same loader, no metadata
        from rankings._builtin import methodologies

        for method in methodologies():
            registry.register(method, method.source)
    for ep in sorted(chosen, key=lambda e: (e not in builtin, e.name)):
        source = f"plugin entry point {ep.name!r} ({ep.value})"
        if ep in builtin:
            loaded = _load_entry_point(ep)
        else:
            try:
                loaded = _load_entry_point(ep)
            except RankingsError as exc:  # a broken plugin breaks only itself
                registry.broken[ep.name] = str(exc)
                warnings.warn(RankingsWarning(
                    f"skipped {exc}; every other methodology is available "
                    f"(set {AUTOLOAD_ENV}=1 to load only the built-ins)"), stacklevel=2)
                continue
        for method in loaded:
            registry.register(method, source)
    for folder in methods_dirs:
        for method in methods_from_dir(folder):
            registry.register(method, method.source)
    return registry


_CACHE: dict[tuple[tuple[str, ...], bool], Registry] = {}


def default_registry(methods_dirs: Sequence[str | Path] = (), *, autoload: bool | None = None) -> Registry:
    """The registry for these options, discovered once and then reused."""
    if autoload is None:
        autoload = not os.environ.get(AUTOLOAD_ENV)
    key = (tuple(str(Path(d).resolve()) for d in methods_dirs), autoload)
    if key not in _CACHE:
        _CACHE[key] = discover(methods_dirs, autoload=autoload)
    return _CACHE[key]


def get_methodology(name: str, methods_dirs: Sequence[str | Path] = ()) -> Methodology:
    return default_registry(methods_dirs).get(name)
