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


def test_no_configuration_means_no_named_sources_and_the_guard_on():
    settings = load_settings({})
    assert settings.sources.empty and not settings.allow_link_local


def test_a_bad_configuration_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match=r"MESDOCTOR_CONFIG=.*no such file"):
        load_settings({"MESDOCTOR_CONFIG": str(tmp_path / "missing.yaml")})
