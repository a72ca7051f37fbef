"""Custom templates are sandboxed: no command runs, no file from outside the template folder is embedded, no URL
is fetched. Real ``sellintegro run`` / ``sellintegro pdf`` processes with html_pdf (WeasyPrint) on the demo
database; the PDFs are read back from the emulator (pypdf for embedded files, pdftotext for the text), and a real
HTTP server on 127.0.0.1 counts the requests a template tries to make.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .stack import cli_env, report_of, run_cli

SECRET = "TOP-SECRET-0600-d41d8cd98f"
INSIDE = "terms-inside-the-folder-7f3a"
DOCUMENT = "FS 8/11/2026"


@pytest.fixture
def web() -> Iterator[dict[str, Any]]:
    """An HTTP server on 127.0.0.1 that records every path asked for."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            hits.append(self.path)
            body = b"p { color: red }" if self.path.endswith(".css") else b"GIF89a"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "hits": hits}
    finally:
        server.shutdown()
        server.server_close()


def _secret_file(folder: Path) -> Path:
    secret = folder / "private" / "secret.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text(SECRET + "\n", encoding="utf-8")
    os.chmod(secret, 0o600)
    return secret


def leaky_template(folder: Path, web_url: str, secret: Path) -> Path:
    """A template that tries every way out: attachments from /etc/passwd, a 0600 file, a symlink leading out,
    web images, stylesheets and attachments on 127.0.0.1 -- and one allowed attachment inside its folder."""
    tpl = folder / "leaky"
    tpl.mkdir()
    (tpl / "inside.txt").write_text(INSIDE, encoding="utf-8")
    (tpl / "link-out.txt").symlink_to(secret)
    (tpl / "FS.html").write_text(f'''{{% extends "base.html" %}}
{{% block remarks %}}{{{{ super() }}}}
<link rel="attachment" href="file:///etc/passwd">
<link rel="attachment" href="{secret.as_uri()}">
<link rel="attachment" href="{secret}">
<link rel="attachment" href="link-out.txt">
<link rel="attachment" href="../private/secret.txt">
<link rel="attachment" href="{web_url}/attachment.txt">
<link rel="stylesheet" href="{web_url}/style.css">
<link rel="attachment" href="inside.txt" title="inside">
<a rel="attachment" href="file:///etc/passwd">passwd</a>
<img src="{web_url}/pixel.gif" alt="">
<img src="file:///etc/passwd" alt="">
{{% endblock %}}
''', encoding="utf-8")
    (tpl / "style.css").write_text(f'@import url("{web_url}/imported.css");\n'
                                   f'{{% include "default-style.css" ignore missing %}}\n'
                                   f'body {{ background: url("{web_url}/bg.gif"); }}\n', encoding="utf-8")
    return tpl


def evil_template(folder: Path, marker: Path) -> Path:
    tpl = folder / "evil"
    tpl.mkdir()
    (tpl / "FS.html").write_text(f'''{{% extends "base.html" %}}
{{% block remarks %}}{{{{ super() }}}}
<p>{{{{ cycler.__init__.__globals__.os.popen('touch {marker}; echo PWNED-$((6*7))').read() }}}}</p>
{{% endblock %}}
''', encoding="utf-8")
    return tpl


def embedded_files(pdf: bytes) -> dict[str, bytes]:
    """Every file embedded in the PDF (document attachments and file-attachment annotations)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    found = {name: b"".join(parts) for name, parts in reader.attachments.items()}
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/FileAttachment":
                spec = annot["/FS"].get_object()
                found[str(spec.get("/UF") or spec.get("/F"))] = spec["/EF"]["/F"].get_object().get_data()
    return found


def _pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, timeout=60, check=True)
    return result.stdout.decode("utf-8", "replace")


def _filed(emulator: Any, number: str) -> bytes:
    invoice = next(i for i in emulator.invoices() if i["external_invoice_number"] == number)
    data = emulator.invoice_file(int(invoice["invoice_id"]))
    assert data and data.startswith(b"%PDF")
    return bytes(data)


def html_stack(stack_factory: Any) -> Any:
    """A stack whose scenario uses the HTML renderer (these templates are HTML; typst_pdf is the default)."""
    stack = stack_factory()
    data = stack.data
    data["renderer"]["plugin"] = "html_pdf"
    stack.rewrite(data)
    return stack


def test_a_template_cannot_embed_or_fetch_anything_outside_its_folder(stack_factory: Any, web: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    stack = html_stack(stack_factory)
    secret = _secret_file(tmp_path)
    leaky_template(stack.folder, web["url"], secret)
    data = stack.data
    data["rule"]["template"] = "leaky"
    stack.rewrite(data)
    result = run_cli("run", str(stack.scenario), "--json", env=cli_env(), cwd=stack.folder)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = report_of(result.stdout)
    assert report is not None
    done = [r for r in report["rows"] if r["document"] == DOCUMENT and r["action"].startswith("attach")]
    assert done and done[0]["outcome"] == "done", done
    pdf = _filed(stack.emulator, DOCUMENT)
    files = embedded_files(pdf)
    assert list(files.values()) == [INSIDE.encode()], f"embedded: {sorted(files)}"   # only the allowed one
    assert SECRET.encode() not in pdf and b"root:x:0:0" not in pdf
    assert web["hits"] == [], f"the template fetched {web['hits']}"
    assert "not loaded" in result.stderr and "outside the template folder" in result.stderr, result.stderr[-2000:]
    # every PDF of the run: at most the allowed file
    for invoice in stack.emulator.invoices():
        if invoice["has_external_file"]:
            embedded = embedded_files(_filed(stack.emulator, invoice["external_invoice_number"]))
            assert set(embedded.values()) <= {INSIDE.encode()}, (invoice["external_invoice_number"], embedded)


def test_a_template_cannot_run_code(stack_factory: Any, tmp_path: Path) -> None:
    stack = html_stack(stack_factory)
    marker = tmp_path / "template-ran-a-command"
    evil_template(stack.folder, marker)
    # `sellintegro pdf`: the preview refuses the template with a clear message, writes no PDF
    out = tmp_path / "preview.pdf"
    preview = run_cli("pdf", str(stack.scenario), "--document", DOCUMENT, "--template", "evil", "-o", str(out),
                      env=cli_env(), cwd=stack.folder)
    assert preview.returncode == 1, preview.stderr
    assert "unsafe" in preview.stderr and "template" in preview.stderr, preview.stderr
    assert "Traceback" not in preview.stderr
    assert not out.exists() and not marker.exists()
    # `sellintegro run`: a document error for that document, the run goes on
    data = stack.data
    data["rule"]["template"] = "evil"
    stack.rewrite(data)
    result = run_cli("run", str(stack.scenario), "--json", env=cli_env(), cwd=stack.folder)
    assert result.returncode == 1, result.stderr[-3000:]
    report = report_of(result.stdout)
    assert report is not None
    failed = [r for r in report["rows"] if r["document"] == DOCUMENT and r["outcome"] == "failed"]
    assert failed and "unsafe" in failed[0]["message"], report["rows"]
    assert not marker.exists(), "the template ran a command"
    emulator = stack.emulator
    assert not [i for i in emulator.invoices() if i["external_invoice_number"] == DOCUMENT and i["has_external_file"]]
    pdfs = [emulator.invoice_file(int(i["invoice_id"])) for i in emulator.invoices() if i["has_external_file"]]
    pdfs += [emulator.receipt_file(int(r["receipt_id"])) for r in emulator.receipts() if r["has_external_file"]]
    assert pdfs, "the run attached nothing: it did not go on after the document error"
    for pdf in pdfs:
        text = _pdf_text(bytes(pdf))
        assert "PWNED-42" not in text and "uid=" not in text
