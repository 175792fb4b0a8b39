"""The expected trajectory through the Python API is an aggregate of at least MIN_CLIENTS
clients, whatever options the caller passes (issue 15, item 10): ``nearest=1,
min_clients=1`` used to hand out one other client's own scores, session by session."""

from __future__ import annotations

import pytest
from test_dashboard_app import Clinic

import alliance_kit
from alliance_kit.clinic import dashboard as data
from alliance_kit.clinic.services import Services
from alliance_kit.engine.trajectory import MIN_CLIENTS


@pytest.fixture(scope="module")
def clinic_template(tmp_path_factory):
    from e2e_dashboard.clinic import template

    return template(tmp_path_factory)


@pytest.fixture
def services(clinic_template, tmp_path, monkeypatch):
    clinic = Clinic(clinic_template, tmp_path, monkeypatch)
    store = clinic.store()
    yield clinic, Services(store, alliance_kit.build_kit(entry_points=False, local=False))
    store.close()


@pytest.mark.parametrize("options", [
    {"nearest": 1, "min_clients": 1},
    {"min_clients": 1},
    {"nearest": 2},
    {"min_clients": MIN_CLIENTS - 1},
])
def test_options_that_would_show_single_clients_are_refused(services, options):
    clinic, services = services
    with pytest.raises(ValueError, match=f"at least {MIN_CLIENTS} clients"):
        data.expected(services, clinic.actor("ana"), "ors", "total", 20.0, **options)


def test_no_other_option_reaches_the_engine(services):
    clinic, services = services
    with pytest.raises(TypeError):
        data.expected(services, clinic.actor("ana"), "ors", "total", 20.0, score="value")


def test_the_defaults_and_larger_groups_still_work(services):
    clinic, services = services
    for options in ({}, {"nearest": 100, "min_clients": MIN_CLIENTS + 1}, {"tolerance": 5.0}):
        norm = data.expected(services, clinic.actor("ana"), "ors", "total", 20.0, **options)
        assert (norm.table["n"] >= MIN_CLIENTS).all()
