from tests.core.conftest import fixed_now, plugin_site, scenario_dir  # noqa: F401 - shared fixtures
