"""``sellintegro panel``: find the scenarios, apply the login rules, bind, print the URL and serve."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import Any

from sellintegro_core.api import ConfigError

from .security import PASSWORD_ENV, is_loopback


def scenario_paths(args: argparse.Namespace) -> list[Path]:
    """The scenario files named on the command line, or every ``*.toml`` in ``--scenarios DIR``."""
    if args.scenario_files and args.scenarios:
        raise ConfigError("give scenario files or --scenarios DIR, not both")
    if args.scenarios:
        folder = Path(args.scenarios).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"--scenarios {folder}: not a folder; give the folder holding your *.toml scenarios")
        paths = sorted(p for p in folder.glob("*.toml") if not p.name.startswith("."))
        if not paths:
            raise ConfigError(f"--scenarios {folder}: no *.toml scenario files in it; create one with "
                              "`sellintegro init FILE`")
        return [p.resolve() for p in paths]
    if not args.scenario_files:
        raise ConfigError("no scenarios: give scenario files (sellintegro panel shop.toml) or --scenarios DIR")
    missing = [p for p in args.scenario_files if not Path(p).expanduser().is_file()]
    if missing:
        raise ConfigError(f"scenario file {missing[0]} does not exist; create one with `sellintegro init "
                          f"{missing[0]}`")
    return [Path(p).expanduser().resolve() for p in args.scenario_files]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port "
                          "or stop the program using it") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def _server_class(base: type) -> type:
    class PanelServer(base):
        """uvicorn's server; Ctrl-C / SIGTERM also ask running runs to stop after their current step, and the
        panel then exits normally (code 0) once they have stopped and recorded it."""

        def __init__(self, config: Any, runs: Any) -> None:
            super().__init__(config)
            self.runs = runs

        def handle_exit(self, sig: int, frame: object) -> None:
            if not self.should_exit:
                print("stopping: runs in progress finish their current step first", file=sys.stderr, flush=True)
            for run in list(self.runs.runs.values()):
                run.stop.set()
            super().handle_exit(sig, frame)
            self._captured_signals.clear()      # handled here: no re-raise of the signal after shutdown

    return PanelServer


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import build_app

    paths = scenario_paths(args)
    password = os.environ.get(PASSWORD_ENV) or None
    if not is_loopback(args.host) and password is None:
        raise ConfigError(f"refusing to serve the panel on {args.host} without a password: set "
                          f"{PASSWORD_ENV} (every page then asks for it), or use --host 127.0.0.1")
    sock = _bind(args.host, args.port)
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    app = build_app(paths, password=password, host=args.host)
    print(f"sellintegro panel: http://{shown}:{port}/ ({len(paths)} scenario(s); "
          f"{'password required' if password else 'no login (loopback only)'}; Ctrl-C to stop)", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = _server_class(uvicorn.Server)(config, app.state.runs)
    try:
        server.run(sockets=[sock])
    finally:
        app.state.runs.stop_all()
        sock.close()
    print("sellintegro panel stopped", file=sys.stderr)
    return 0
