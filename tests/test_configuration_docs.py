"""Every environment variable the settings read is documented in README.md and .env.example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented():
    settings_py = (ROOT / "config/settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', settings_py))
    assert {"SECRET_KEY", "DATABASE_URL", "DATABASE_REPLICA_URL", "REQUIRE_ADMIN_OTP"} <= names
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    assert not {n for n in names if f"`{n}`" not in readme}, "missing in README.md"
    assert not {n for n in names if not re.search(rf"^{n}=", example, re.M)}, (
        "missing in .env.example"
    )
