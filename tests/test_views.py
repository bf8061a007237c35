"""Public pages: what a visitor reads, and 404 for what is not public."""

import pytest

from events.models import Talk
from tests.factories import make_event, make_talk

pytestmark = pytest.mark.django_db


def test_home_lists_the_event(client, kubecon):
    response = client.get("/")

    assert response.status_code == 200
    assert "KubeCon + CloudNativeCon Europe 2022" in response.content.decode()


def test_unknown_event_is_a_404_with_a_helpful_page(client, db):
    response = client.get("/no-such-event/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_draft_talks_are_a_404(client):
    talk = make_talk(make_event(), status=Talk.Status.DRAFT)

    assert client.get(talk.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/kubecon-eu-2022/",
        "/kubecon-eu-2022/schedule/",
        "/kubecon-eu-2022/talks/leveraging-cilium-and-srv6-for-telco-networking/",
        "/kubecon-eu-2022/speakers/",
        "/kubecon-eu-2022/speakers/daniel-bernier/",
        "/kubecon-eu-2022/booth/",
        "/kubecon-eu-2022/office-hours/",
    ],
)
def test_every_page_of_the_event_renders_with_its_name(client, kubecon, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "KubeCon + CloudNativeCon Europe 2022" in response.content.decode()
