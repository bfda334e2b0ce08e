import pytest

from core.settings import Mode, SettingsError, load_settings


def test_default_is_local():
    assert load_settings({}).mode is Mode.LOCAL
    assert not load_settings({}).shared


def test_shared_mode_from_environment():
    assert load_settings({"MESDOCTOR_MODE": " Shared "}).shared


def test_unknown_mode_is_refused():
    with pytest.raises(SettingsError, match="MESDOCTOR_MODE"):
        load_settings({"MESDOCTOR_MODE": "public"})
