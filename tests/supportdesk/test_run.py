"""`make run` (supportdesk.run): what it says when it cannot start."""

import socket

from supportdesk import run


def test_a_port_in_use_is_said_plainly_before_anything_starts(monkeypatch, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert not run.port_free("127.0.0.1", port)
        monkeypatch.setenv("PORT", port)
        monkeypatch.setattr(run, "prepare", lambda: (_ for _ in ()).throw(AssertionError("must not prepare")))
        assert run.main() == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err
    assert run.port_free("127.0.0.1", port)
