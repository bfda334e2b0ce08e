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


def test_access_settings_are_part_of_the_settings():
    settings = load_settings({"MESDOCTOR_MODE": "shared", "MESDOCTOR_ALLOWED_DOMAINS": "example.com",
                              "MESDOCTOR_TRUSTED_USER_HEADER": "X-Forwarded-Email"})
    assert settings.access.allowed_domains == {"example.com"}
    assert settings.access.trusted_user_header == "X-Forwarded-Email"
    assert load_settings({}).access.allowed_domains == frozenset()


def test_a_bad_access_setting_is_a_settings_error():
    with pytest.raises(SettingsError, match="MESDOCTOR_ALLOWED_DOMAINS"):
        load_settings({"MESDOCTOR_ALLOWED_DOMAINS": "not/a/domain"})


def test_report_cache_bound():
    assert load_settings({}).report_cache_mb == 512
    assert load_settings({"MESDOCTOR_REPORT_CACHE_MB": " 64 "}).report_cache_mb == 64
    for bad in ("0", "-5", "lots", "1.5"):
        with pytest.raises(SettingsError, match="MESDOCTOR_REPORT_CACHE_MB"):
            load_settings({"MESDOCTOR_REPORT_CACHE_MB": bad})
