"""Speaker photos: an upload is checked, turned upright, stripped of its metadata and stored at the sizes the
pages show it.

Only the resized copies are stored, never the upload itself: a phone's photo carries EXIF data (where it was
taken, the camera's serial number) that has no place on a public page. Each copy is a square JPEG, cut from
the middle of the photo, twice the size it is shown at so that it is sharp on high-density screens.
"""

import io
import secrets
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Field of Speaker → edge of the stored square in pixels. Shown at half that: 200 px on the speaker's page
# (photo), 48 px beside the speakers of a talk (photo_small).
SIZES = {"photo": 400, "photo_small": 96}
# Pixels an upload may have (a 40-megapixel camera's photo fits). The header says how many before anything is
# decoded, so a small file that would unpack into gigabytes (a decompression bomb) is refused unread.
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}  # MPO: what Pillow calls many phone cameras' JPEGs


def open_photo(upload):
    """The upload as an image, or a ValidationError saying in plain words why it is not one we take."""
    limit = settings.PHOTO_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; a photo may be at most %(limit)d MB."),
            code="file_too_large",
            # 12.5 in English, 12,5 in Spanish and German.
            params={
                "size": formats.number_format(upload.size / 1024 / 1024, 1),
                "limit": settings.PHOTO_MAX_MB,
            },
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; ours is lower and checked just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise _not_an_image() from None
    if image.format not in FORMATS:
        raise _not_an_image()
    if image.width * image.height > MAX_PIXELS:
        raise _too_many_pixels(image)
    try:
        image.load()
    except (OSError, ValueError, SyntaxError):
        raise _not_an_image() from None
    return image


def _not_an_image():
    return ValidationError(
        _("This file is not a photo we can read: upload a JPEG, PNG, WebP or GIF image."), code="not_an_image"
    )


def _too_many_pixels(image=None):
    limit = MAX_PIXELS // 1_000_000
    if image is None:  # Pillow refused it before saying its size
        message, params = (
            _("The image has too many pixels; a photo may have at most %(limit)d megapixels."),
            {},
        )
    else:
        message = _(
            "The image is %(width)d × %(height)d pixels; a photo may have at most %(limit)d megapixels."
        )
        params = {"width": image.width, "height": image.height}
    return ValidationError(message, code="too_many_pixels", params={**params, "limit": limit})


def resize_photo(image, *, name):
    """The stored copies of `image`, one per field of SIZES: upright, square, RGB, without any metadata."""
    # Phones store photos sideways and say so in EXIF; turn the pixels, since the copies carry no EXIF.
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "P"):
        rgba = upright.convert("RGBA")
        upright = Image.new("RGB", rgba.size, "white")
        upright.paste(rgba, mask=rgba.getchannel("A"))
    upright = upright.convert("RGB")
    # One random part per upload: a new photo gets new addresses, so any copy kept of the old one never shows.
    stem = f"{slugify(name)[:40] or 'speaker'}-{secrets.token_hex(4)}"
    copies = {}
    for field, edge in SIZES.items():
        square = ImageOps.fit(upright, (edge, edge), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        # Saved without exif= or icc_profile=: Pillow writes none of the upload's metadata.
        square.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
        copies[field] = ContentFile(buffer.getvalue(), name=f"{stem}-{edge}.jpg")
    return copies


class PhotoField(forms.ImageField):
    """An image upload checked by open_photo() (size in bytes and pixels, format) rather than by Django's own
    check, whose one message does not tell a file that is too large from one that is not an image."""

    def __init__(self, **kwargs):
        accept = "image/jpeg,image/png,image/webp,image/gif"
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": accept}))
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        upload.image = open_photo(upload)
        upload.seek(0)
        return upload


def delete_after_commit(names):
    """Delete the stored photo files `names` once the transaction that stopped using them commits."""
    from .models import Speaker

    storage = Speaker._meta.get_field("photo").storage

    def delete():
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete, robust=True)
