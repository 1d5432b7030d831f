"""The production settings of .streamlit/config.toml (issue 8), and that Streamlit accepts them."""

from __future__ import annotations

import tomllib

from streamlit import config as st_config

from tests.deploy.dockerfile import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_production_settings_hold():
    assert CONFIG["browser"]["gatherUsageStats"] is False
    assert CONFIG["server"]["headless"] is True
    assert CONFIG["server"]["enableXsrfProtection"] is True
    # XSRF protection leans on CORS protection for cross-origin requests: both on.
    assert CONFIG["server"].get("enableCORS", True) is True
    assert 1 <= CONFIG["server"]["maxUploadSize"] <= 50
    assert CONFIG["client"]["showErrorDetails"] == "none"
    # The watcher rescans every imported module for each new session (classroom load test).
    assert CONFIG["server"]["fileWatcherType"] == "none"
    assert CONFIG["global"]["disableWidgetStateDuplicationWarning"] is True


def test_upload_limit_matches_what_the_noise_page_accepts():
    from timestep_lab.images import MAX_UPLOAD_BYTES

    assert CONFIG["server"]["maxUploadSize"] * 1024 * 1024 >= MAX_UPLOAD_BYTES


def test_theme_is_light_and_complete():
    theme = CONFIG["theme"]
    assert theme["base"] == "light"
    for key in ("primaryColor", "backgroundColor", "secondaryBackgroundColor", "textColor"):
        assert theme[key].startswith("#") and len(theme[key]) == 7, key


def test_every_option_is_one_streamlit_knows():
    # A misspelt option is ignored by Streamlit with only a log line; catch it here.
    known = set(st_config._config_options_template)
    for section, options in CONFIG.items():
        for option in options:
            assert f"{section}.{option}" in known, f"{section}.{option}"
