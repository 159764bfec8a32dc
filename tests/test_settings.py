"""Configuration comes from KEFU_* variables with safe defaults."""

import os
import subprocess
import sys


def settings_of(tmp_path, **env) -> dict:
    code = (
        "import json; from kefu import settings as s; "
        "print(json.dumps({'secret': s.SECRET_KEY, 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
        "'engine': s.DATABASES['default']['ENGINE'], 'tz': s.TIME_ZONE, "
        "'layer': s.CHANNEL_LAYERS['default']['BACKEND']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    res = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "KEFU_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(res.stdout)


def test_safe_defaults_and_a_secret_key_kept_under_var(tmp_path):
    first = settings_of(tmp_path)
    assert first["debug"] is False and first["hosts"] == ["localhost", "127.0.0.1"]
    assert first["engine"].endswith("sqlite3") and first["tz"] == "Asia/Shanghai"
    assert first["layer"].endswith("InMemoryChannelLayer")
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0, "the generated key is readable by its owner only"
    assert settings_of(tmp_path)["secret"] == first["secret"], "the key survives a restart"


def test_every_setting_follows_its_variable(tmp_path):
    got = settings_of(
        tmp_path,
        KEFU_SECRET_KEY="s3cret",
        KEFU_DEBUG="1",
        KEFU_ALLOWED_HOSTS="kefu.example.cn, 10.0.0.5",
        KEFU_DATABASE_URL="postgres://u@db:5432/kefu",
        KEFU_REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert got["secret"] == "s3cret" and got["debug"] is True
    assert got["hosts"] == ["kefu.example.cn", "10.0.0.5"]
    assert got["engine"].endswith("postgresql")
    assert got["layer"].endswith("RedisChannelLayer")
