"""The fence around templates: a sandboxed jinja2 environment and a WeasyPrint URL fetcher limited to folders.

A template folder is code, but what it can do is limited all the same:

* every template runs in jinja2's ``SandboxedEnvironment``: no ``__globals__``, ``__class__``, ``os``...
  (``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` is a template error, not a command);
* templates are loaded only from their folders, after resolving symlinks (a symlink to ``/etc/passwd`` in the
  folder is "not found");
* WeasyPrint loads stylesheets, images, fonts and attachments only through :class:`FolderFetcher`: files inside
  the allowed folders (the template folder and the built-in templates) after resolving symlinks, and inline
  ``data:`` URLs. No ``http(s)``, no ``file:`` outside those folders, so ``<link rel=attachment href=...>``
  cannot embed a file from elsewhere into the PDF. A refused URL is left out of the PDF and logged.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger("sellintegro.invoice_pdf")


def _resolved(folders: Iterable[Path]) -> list[Path]:
    return [Path(os.path.realpath(folder)) for folder in folders]


def inside(path: Path, roots: list[Path]) -> bool:
    """Whether ``path``, symlinks resolved, lies inside one of ``roots`` (already resolved)."""
    real = Path(os.path.realpath(path))
    return any(real == root or real.is_relative_to(root) for root in roots)


def template_environment(folders: list[Path], builtin: Path, **options: Any) -> Any:
    """A ``SandboxedEnvironment`` loading from ``folders`` first, then ``builtin``; symlinks leading out of a
    folder are not followed."""
    from jinja2 import ChoiceLoader, FileSystemLoader, TemplateNotFound
    from jinja2.sandbox import SandboxedEnvironment

    class FolderLoader(FileSystemLoader):
        def __init__(self, searchpath: list[str]) -> None:
            super().__init__(searchpath)
            self.roots = _resolved(Path(p) for p in searchpath)

        def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            if filename is None or not inside(Path(filename), self.roots):
                raise TemplateNotFound(template)
            return source, filename, uptodate

    loaders = [FolderLoader([str(f) for f in folders])] if folders else []
    loader = ChoiceLoader([*loaders, FolderLoader([str(builtin)])])
    return SandboxedEnvironment(loader=loader, **options)


def folder_fetcher(folders: list[Path]) -> Any:
    """A WeasyPrint URL fetcher that serves only files inside ``folders`` (and ``data:`` URLs)."""
    from weasyprint import urls

    roots = _resolved(folders)
    base = getattr(urls, "URLFetcher", None)
    if base is None:  # pragma: no cover - WeasyPrint before the URLFetcher class: a plain function
        def fetch(url: str) -> dict[str, Any]:
            if url.lower().startswith("data:"):
                return urls.default_url_fetcher(url)
            path = _local_file(url, roots)
            return {"string": path.read_bytes(), "mime_type": _mime(path), "redirected_url": path.as_uri()}
        return fetch

    class FolderFetcher(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.lower().startswith("data:"):
                return super().fetch(url, headers)
            path = _local_file(url, roots)
            return urls.URLFetcherResponse(path.as_uri(), body=path.read_bytes(),
                                           headers={"Content-Type": _mime(path)})

    return FolderFetcher()


def _local_file(url: str, roots: list[Path]) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        _refuse(url, "templates may use files of their own folder only, no web or network addresses")
    path = Path(unquote(parts.path))
    if not inside(path, roots):
        _refuse(url, "the file is outside the template folder (symlinks are followed before checking)")
    real = Path(os.path.realpath(path))
    if not real.is_file():
        _refuse(url, "no such file in the template folder")
    return real


def _refuse(url: str, why: str) -> None:
    shown = url if len(url) <= 200 else url[:199] + "…"
    log.warning("template resource %s not loaded: %s", shown, why)
    raise ValueError(f"{shown}: {why}")


def _mime(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
