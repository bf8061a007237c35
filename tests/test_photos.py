"""Speaker photos: uploaded in the admin, stored upright, square and without metadata, shown on the pages."""

import io
import socket
import subprocess
import sys
import time
import urllib.request

import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.test.client import MULTIPART_CONTENT
from django.urls import reverse
from PIL import ExifTags, Image

from events.models import Speaker
from tests.adminforms import edit_token
from tests.factories import make_event, make_speaker, make_talk
from tests.stack import BASE_DIR, free_port

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)


def phone_photo():
    """A JPEG as a phone writes it: stored sideways with an EXIF orientation, and where it was taken (GPS).
    Stored 800 × 400, red above and blue below; shown upright, red is on the right."""
    image = Image.new("RGB", (800, 400), BLUE)
    image.paste(RED, (0, 0, 800, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to show
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 27.0, 36.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 22.0, 35.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def upload(client, speaker, content, name="photo.jpg", **fields):
    data = {
        "name": speaker.name,
        "slug": speaker.slug,
        "affiliation": speaker.affiliation,
        "bio": "",
        "photo_url": speaker.photo_url,
        "links": "",
        "_save": "Save",
        "_edit_token": edit_token(client, reverse("admin:events_speaker_change", args=[speaker.pk])),
        **fields,
    }
    if content is not None:
        data["photo"] = ContentFile(content, name=name)
    return client.post(
        reverse("admin:events_speaker_change", args=[speaker.pk]), data, content_type=MULTIPART_CONTENT
    )


def form_errors(response):
    return [
        " ".join(li.text_content().split())
        for li in lxml.html.fromstring(response.content.decode()).xpath(
            "//ul[contains(@class, 'errorlist')]/li"
        )
    ]


def test_a_phone_photo_is_stored_upright_square_and_without_its_location(organiser_client):
    original = phone_photo()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test's own premise
    speaker = make_speaker(name="Ana Sample")

    response = upload(organiser_client, speaker, original)

    assert response.status_code == 302
    speaker.refresh_from_db()
    for field, edge in [("photo", 400), ("photo_small", 96)]:
        stored = getattr(speaker, field)
        data = stored.read()
        image = Image.open(io.BytesIO(data))
        assert (image.format, image.size) == ("JPEG", (edge, edge))
        assert dict(image.getexif()) == {}
        assert b"Exif" not in data and b"PhoneMaker" not in data
        # Upright: the red half, on top when stored sideways, is on the right.
        right, left = image.getpixel((edge * 3 // 4, edge // 2)), image.getpixel((edge // 4, edge // 2))
        assert right[0] > 180 and right[2] < 80, right
        assert left[2] > 180 and left[0] < 80, left
        assert stored.name.startswith("speakers/ana-sample-") and stored.name.endswith(f"-{edge}.jpg")


def test_a_text_file_named_jpg_is_refused_with_a_message_and_nothing_stored(organiser_client):
    speaker = make_speaker(name="Ana Sample", affiliation="Isovalent")

    response = upload(organiser_client, speaker, b"name,email\nAna,ana@example.org\n", name="photo.jpg")

    assert response.status_code == 200  # the form again, as the admin answers every mistake
    assert form_errors(response) == [
        "This file is not a photo we can read: upload a JPEG, PNG, WebP or GIF image."
    ]
    speaker.refresh_from_db()
    assert (speaker.photo.name, speaker.photo_small.name, speaker.affiliation) == ("", "", "Isovalent")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read_as_an_image(organiser_client, settings):
    settings.PHOTO_MAX_MB = 1
    speaker = make_speaker()

    response = upload(organiser_client, speaker, b"\xff\xd8\xff" + b"\0" * (3 * 1024 * 1024 // 2))

    assert form_errors(response) == ["The file is 1.5 MB; a photo may be at most 1 MB."]
    speaker.refresh_from_db()
    assert speaker.photo.name == ""


def test_an_image_of_absurd_pixel_count_is_refused_unread(organiser_client):
    # 100 megapixels in a 12 kB file: decoded, it would take 300 MB of memory.
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 100_000
    speaker = make_speaker()

    response = upload(organiser_client, speaker, buffer.getvalue(), name="bomb.png")

    assert form_errors(response) == [
        "The image is 10000 × 10000 pixels; a photo may have at most 40 megapixels."
    ]


def test_clearing_the_photo_removes_both_sizes(organiser_client):
    speaker = make_speaker()
    upload(organiser_client, speaker, phone_photo())

    response = upload(organiser_client, speaker, None, **{"photo-clear": "on"})

    assert response.status_code == 302
    speaker.refresh_from_db()
    assert (speaker.photo.name, speaker.photo_small.name) == ("", "")


def photos_on(client, url):
    page = lxml.html.fromstring(client.get(url).content.decode())
    return [
        {key: img.get(key) for key in ("src", "width", "height", "loading", "alt")}
        for img in page.xpath("//img[contains(@class, 'speaker-photo')]")
    ], [span.get("data-initials") for span in page.xpath("//span[contains(@class, 'initials')]")]


def test_the_photo_shows_on_the_speaker_page_and_small_beside_the_talk_with_initials_for_others(
    client, organiser_client
):
    event = make_event(slug="summit")
    ana = make_speaker(name="Ana Sample", slug="ana")
    upload(organiser_client, ana, phone_photo())
    ana.refresh_from_db()
    liz = make_speaker(name="Liz van Example", slug="liz")
    ext = make_speaker(name="Ext Ernal", slug="ext", photo_url="https://photos.example.org/ext.jpg")
    talk = make_talk(event, speakers=[ana, liz, ext], slug="datapath")
    client.logout()

    talk_photos, talk_initials = photos_on(client, reverse("events:talk_detail", args=["summit", talk.slug]))
    speaker_photos, _ = photos_on(client, reverse("events:speaker_detail", args=["summit", "ana"]))
    _, liz_initials = photos_on(client, reverse("events:speaker_detail", args=["summit", "liz"]))

    assert talk_photos == [
        {"src": ana.photo_small.url, "width": "48", "height": "48", "loading": "lazy", "alt": "Photo of Ana Sample"},
        {"src": "https://photos.example.org/ext.jpg", "width": "48", "height": "48", "loading": "lazy",
         "alt": "Photo of Ext Ernal"},
    ]  # fmt: skip
    assert ana.photo_small.url.startswith("/media/speakers/ana-sample-")
    assert talk_initials == ["LE"]
    assert speaker_photos == [
        {
            "src": ana.photo.url,
            "width": "200",
            "height": "200",
            "loading": "lazy",
            "alt": "Photo of Ana Sample",
        }
    ]
    assert liz_initials == ["LE"]


def test_make_run_serves_uploaded_photos(tmp_path):
    """make run is Django's development server with DEBUG on: it serves MEDIA_ROOT under /media/."""
    media = tmp_path / "media"
    (media / "speakers").mkdir(parents=True)
    (media / "speakers" / "ana-1234-96.jpg").write_bytes(phone_photo())
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "MEDIA_ROOT": str(media),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "runserver did not start"
                time.sleep(0.2)
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/media/speakers/ana-1234-96.jpg", timeout=10
        ) as r:
            assert (r.status, r.headers["Content-Type"]) == (200, "image/jpeg")
            assert r.read() == phone_photo()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_speaker_page_without_a_photo_shows_initials(client):
    event = make_event(slug="summit")
    speaker = Speaker.objects.create(name="Ana", slug="ana")
    make_talk(event, speakers=[speaker])

    photos, initials = photos_on(client, reverse("events:speaker_detail", args=["summit", "ana"]))

    assert (photos, initials) == ([], ["A"])


def test_a_phone_camera_jpeg_that_pillow_reads_as_mpo_is_taken(organiser_client):
    image = Image.new("RGB", (300, 300), RED)
    buffer = io.BytesIO()
    image.save(buffer, "MPO")
    speaker = make_speaker()

    response = upload(organiser_client, speaker, buffer.getvalue())

    assert response.status_code == 302, form_errors(response)
    speaker.refresh_from_db()
    assert speaker.photo.name.endswith(".jpg")


def test_a_replaced_or_cleared_photo_leaves_the_media_folder(
    organiser_client, django_capture_on_commit_callbacks
):
    speaker = make_speaker()
    with django_capture_on_commit_callbacks(execute=True):
        upload(organiser_client, speaker, phone_photo())
    speaker.refresh_from_db()
    first = [speaker.photo.name, speaker.photo_small.name]
    storage = speaker.photo.storage

    with django_capture_on_commit_callbacks(execute=True):
        upload(organiser_client, speaker, phone_photo())
    speaker.refresh_from_db()
    second = [speaker.photo.name, speaker.photo_small.name]
    with django_capture_on_commit_callbacks(execute=True):
        upload(organiser_client, speaker, None, **{"photo-clear": "on"})

    assert [storage.exists(name) for name in first + second] == [False] * 4


def test_initials_come_from_words_not_numbers():
    assert make_speaker(name="Ada Lovelace 2").initials == "AL"
    assert make_speaker(name="Grace 7").initials == "G"
