"""Fixtures for registration's service tests: a real RabbitMQ vhost and PostgreSQL database per test."""
import pytest

from haven_contracts.testing import site_event
from haven_registration.testing import start_registration


def household(site_id, **overrides):
    data = {
        "site_id": site_id,
        "consent": True,
        "phone": "+258 84 123 4567",
        "origin": {"adm1": "Sofala", "adm2": "Buzi"},
        "displacement_date": "2026-11-20",
        "members": [
            {"given_name": "Amélia", "family_name": "Nhantumbo", "sex": "female", "date_of_birth": "1990-04-02",
             "relationship": "head", "specific_needs": ["SP"]},
            {"given_name": "João", "family_name": "Nhantumbo", "sex": "male", "age_years": 7,
             "relationship": "child"},
            {"given_name": "Rosa", "family_name": "Nhantumbo", "sex": "female", "date_of_birth": "2024-01-15",
             "relationship": "child", "specific_needs": ["SM-MI"]},
            {"given_name": "Alberto", "family_name": "Macuácua", "sex": "male", "age_years": 67,
             "relationship": "parent", "specific_needs": ["ER", "DS-PM"]},
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def registration(amqp_uri, database_url, start_service):
    return start_registration(amqp_uri, database_url, start_service)


@pytest.fixture
def make_household():
    return household


@pytest.fixture
def make_site_event():
    return site_event
