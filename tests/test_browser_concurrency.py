"""Two organisers in two browsers edit one talk: the second save is refused with both versions shown, and saving
the form shown again keeps both changes."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from events.models import Talk
from tests.factories import make_event, make_speaker, make_talk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-organiser-password"


def organiser_in_a_browser(chromium, live_server, username, width=1280):
    """A browser of its own (its own cookies), signed in as an organiser: staff in the Organisers group."""
    # A test that commits leaves an emptied database behind, without the group its migration made: made again here.
    group, _created = Group.objects.get_or_create(name="Organisers")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="events"))
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD, is_staff=True)
    user.groups.add(group)
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return context, page


@pytest.fixture
def talk():
    return make_talk(
        make_event(name="KubeCon + CloudNativeCon Europe 2022"),
        title="Cilium Service Mesh",
        abstract="Sidecar-free.",
        speakers=[make_speaker(name="Ada Lane")],
    )


def both_open_the_talk_and_olga_renames_it(chromium, live_server, talk, ines_width=1280):
    olga_context, olga = organiser_in_a_browser(chromium, live_server, "olga")
    ines_context, ines = organiser_in_a_browser(chromium, live_server, "ines", width=ines_width)
    url = f"{live_server.url}/admin/events/talk/{talk.pk}/change/"
    olga.goto(url)
    ines.goto(url)
    olga.fill("#id_title", "Cilium Service Mesh in production")
    olga.click("input[name=_save]")
    return url, ines, [olga_context, ines_context]


def test_the_second_organiser_s_save_is_refused_with_both_versions_and_resolved(chromium, live_server, talk):
    url, ines, contexts = both_open_the_talk_and_olga_renames_it(chromium, live_server, talk)

    ines.fill("#id_abstract", "Sidecar-free, with eBPF.")
    with ines.expect_response(url) as refused:
        ines.click("input[name=_save]")

    assert refused.value.status == 409
    box = ines.locator(".edit-conflict")
    assert box.get_by_role("heading").inner_text() == "Changed by someone else while you were editing it"
    assert "Saved since you opened it by olga" in box.inner_text()
    cells = box.locator("tbody tr").first.locator("th, td").all_inner_texts()
    assert cells == [
        "Title",
        "Cilium Service Mesh in production",
        "Cilium Service Mesh",
        "Cilium Service Mesh",
    ]
    # Their title is in the form, and what she typed is still there.
    assert ines.input_value("#id_title") == "Cilium Service Mesh in production"
    assert ines.input_value("#id_abstract") == "Sidecar-free, with eBPF."
    assert Talk.objects.get().abstract == "Sidecar-free."

    with ines.expect_navigation():
        ines.get_by_role("button", name="Save the form as it is now").click()

    assert ines.locator(".messagelist .success").count() == 1
    saved = Talk.objects.get()
    assert (saved.title, saved.abstract) == ("Cilium Service Mesh in production", "Sidecar-free, with eBPF.")
    assert [speaker.name for speaker in saved.speakers.all()] == ["Ada Lane"]
    for context in contexts:
        context.close()


def test_on_a_phone_each_version_is_named_beside_its_value(chromium, live_server, talk):
    _url, ines, contexts = both_open_the_talk_and_olga_renames_it(chromium, live_server, talk, ines_width=375)

    ines.fill("#id_abstract", "Sidecar-free, with eBPF.")
    ines.click("input[name=_save]")

    table = ines.locator(".edit-conflict-changes")
    overflow = table.evaluate("(table) => table.scrollWidth - table.parentElement.clientWidth")
    assert overflow <= 0
    assert table.locator("thead").is_hidden()
    now = table.locator("tbody td").first
    assert now.evaluate("(cell) => getComputedStyle(cell, '::before').content") == '"Saved now: "'
    for context in contexts:
        context.close()
