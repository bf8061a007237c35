"""Optimistic concurrency for the admin's change forms: a save based on what an object was when its form was
opened, if it has changed since (another organiser's save, a bulk action, an attendee cancelling), is refused
and shown with what changed, field by field; nothing is overwritten silently.

A change form carries, signed, the values it was opened with: the object's fields and the rows of its editable
inlines (`edit_token`). The save locks the object's row in its transaction (SELECT … FOR UPDATE; on SQLite the transaction
takes the database's write lock when it begins, see portal/settings.py), reads what is saved now and compares: the same,
and the save goes on in that transaction; different, and the form comes back (409) with the organiser's input,
the other changes merged in where the organiser left a field as it was, a table of what changed and a fresh
token, so that saving again keeps the form as it then is, knowingly."""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, router, transaction
from django.db.models.fields.files import FieldFile
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from . import times

TOKEN_FIELD = "_edit_token"
_SALT = "events.concurrency"
# A value the form's data does not give (a field that did not validate): never equal to a saved one.
_UNKNOWN = object()


def _canon(value):
    """A value of a form or model field as plain JSON data, equal for equal values: a related object as its key,
    several sorted, a time as its UTC instant, a file as its name."""
    if isinstance(value, models.Model):
        return _canon(value.pk)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_canon(each) for each in value), key=str)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, File):  # a new upload
        return f"upload:{value.name}"
    if isinstance(value, str):
        # As the form reads it back: browsers send a textarea's lines with CRLF, and fields are stripped.
        return value.replace("\r\n", "\n").strip()
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _row_fields(formset):
    """The fields an inline's rows are edited by: none for a read-only inline (a session's signups)."""
    skip = {formset.fk.name, formset.model._meta.pk.name}
    return [name for name in formset.form.base_fields if name not in skip]


def _editable(formsets):
    return [formset for formset in formsets if _row_fields(formset)]


def _rows_state(formset):
    """{key: values} of the inline's saved rows. Validating a form puts the typed values on its row, so a row's
    values are read from its form's initial ones where it has a form (read before any validation)."""
    read = {id(form.instance): form.initial for form in formset.initial_forms}
    return {
        str(row.pk): {
            name: _canon(
                read[id(row)][name] if id(row) in read else row._meta.get_field(name).value_from_object(row)
            )
            for name in _row_fields(formset)
        }
        for row in formset.get_queryset()
    }


def _object_fields(form):
    """The form's fields that edit its object: a field of the form alone (a confirmation such as the talk form's
    "keep both talks in this room") is no part of what another organiser can have changed."""
    names = {field.name for field in form._meta.model._meta.get_fields()}
    return {name: form_field for name, form_field in form.fields.items() if name in names}


def saved_state(form, formsets):
    """What is saved now of the form's object, as the form (unbound, or bound to a save) read it: its fields and
    its editable inlines' rows by key. No query of its own: the form and formsets have read all of it."""
    return {
        "fields": {name: _canon(form.initial.get(name)) for name in _object_fields(form)},
        "inlines": {formset.prefix: _rows_state(formset) for formset in _editable(formsets)},
    }


def _salt(obj):
    return f"{_SALT}:{obj._meta.label}:{obj.pk}"


def make_token(obj, state):
    """The signed state a change form carries, with when it was opened."""
    return signing.dumps(
        {"state": state, "opened_at": timezone.now().isoformat()}, salt=_salt(obj), compress=True
    )


def read_token(obj, token):
    """The state and opening time a change form of `obj` carried; None for none, or one not made for `obj`."""
    try:
        data = signing.loads(token or "", salt=_salt(obj))
        return data["state"], dt.datetime.fromisoformat(data["opened_at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


@dataclass
class Change:
    """One line of the table of a refused save: a field, or a row of an inline, that is not what the form was
    opened with; `both` when the organiser changed it too, to something else."""

    label: str
    now: str
    opened: str
    typed: str
    both: bool = False


@dataclass
class Conflict:
    """Why a save was refused, what the organiser is shown instead, and the form data it is shown with."""

    changes: list = field(default_factory=list)
    token: str = ""
    deleted: bool = False
    unknown_base: bool = False  # the form said nothing of the version it was opened with
    by: list = field(default_factory=list)  # who saved it since, from the admin's history
    data: object = None
    uploads: bool = False

    @property
    def message(self):
        if self.deleted:
            return _(
                "Someone deleted this while you were editing it: nothing was saved. Saving adds it again."
            )
        return _(
            "Someone else changed this while you were editing it: nothing was saved. Compare the versions above "
            "and save again."
        )


class DeletedMeanwhile(Exception):
    def __init__(self, pk):
        super().__init__(pk)
        self.pk = pk


class EditConflict(Exception):
    def __init__(self, conflict):
        super().__init__(conflict.message)
        self.conflict = conflict


# What the form's data holds for a value: what a browser would send back for the field showing it.


def _field_items(widget, name, value):
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.MultiWidget):
        values = value if isinstance(value, list | tuple) else widget.decompress(value)
        for sub, suffix, sub_value in zip(widget.widgets, widget.widgets_names, values, strict=False):
            yield from _field_items(sub, name + suffix, sub_value)
    elif isinstance(widget, forms.CheckboxInput):
        if widget.check_test(value):
            yield name, "on"
    elif isinstance(widget, forms.FileInput):
        return  # a browser cannot be told what to send; nothing sent keeps the saved file
    else:
        shown = widget.format_value(value)
        for each in shown if isinstance(shown, list) else [shown]:
            yield name, "" if each is None else str(each)


def _widget_names(widget, name):
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.MultiWidget):
        return [
            n
            for sub, suffix in zip(widget.widgets, widget.widgets_names, strict=True)
            for n in _widget_names(sub, name + suffix)
        ]
    return [name]


def _set_field(data, form_field, name, value):
    if isinstance(form_field.widget, forms.FileInput):
        return  # left out of the form's data, the saved file stays
    for key in _widget_names(form_field.widget, name):
        data.pop(key, None)
    for key, item in _field_items(form_field.widget, name, form_field.prepare_value(value)):
        data.appendlist(key, item)


def _row_items(formset, form, prefix):
    """The data `form` of `formset` was sent with, under the prefix of another position."""
    old = form.prefix + "-"
    return [
        (prefix + key[len(old) - 1 :], value)
        for key, values in form.data.lists()
        if key.startswith(old)
        for value in values
    ]


def _saved_row_items(formset, row, values, prefix, parent):
    items = [
        (f"{prefix}-{formset.model._meta.pk.name}", str(row.pk)),
        (f"{prefix}-{formset.fk.name}", str(parent.pk)),
    ]
    for name in _row_fields(formset):
        form_field = formset.form.base_fields[name]
        value = values[name] if name in values else row._meta.get_field(name).value_from_object(row)
        items.extend(_field_items(form_field.widget, f"{prefix}-{name}", form_field.prepare_value(value)))
    return items


# What is shown of a value in the table.


def _shown(form_field, value):
    if value is _UNKNOWN:
        return _("(not valid)")
    if value in (None, "", []):
        return pgettext("no value", "(empty)")
    if isinstance(form_field, forms.ModelMultipleChoiceField | forms.ModelChoiceField):
        keys = value if isinstance(value, list) else [value]
        found = form_field.queryset.model._default_manager.in_bulk(keys)
        return ", ".join(str(found.get(key, f"#{key}")) for key in keys)
    if isinstance(form_field, forms.DateTimeField | forms.SplitDateTimeField):
        local = timezone.localtime(dt.datetime.fromisoformat(value))
        return f"{times.local_date(local, 'D d M Y, H:i')} {local.tzname()}"
    if isinstance(form_field, forms.DateField):
        return times.local_date(dt.date.fromisoformat(value), "D d M Y")
    if isinstance(form_field, forms.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(form_field, forms.FileField) and str(value).startswith("upload:"):
        # Translators: in the table of a refused save: a file the organiser chose, which must be chosen again.
        return _("%(name)s (a new file: choose it again)") % {"name": value.removeprefix("upload:")}
    if isinstance(form_field, forms.ChoiceField):
        return str(dict(_flat(form_field.choices)).get(value, value))
    return str(value)


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat(label)
        else:
            yield key, label


def _row_shown(formset, row_state):
    return "; ".join(
        f"{formset.form.base_fields[name].label}: {_shown(formset.form.base_fields[name], value)}"
        for name, value in row_state.items()
    )


def _typed_rows(formset):
    """{key: the organiser's values, or "deleted"} of the rows the form was sent with, and the new rows."""
    pk_name = formset.model._meta.pk.name
    rows, added = {}, []
    for form in formset.forms:
        cleaned = getattr(form, "cleaned_data", {})
        key = form.data.get(form.add_prefix(pk_name)) or None
        if key and form.data.get(form.add_prefix("DELETE")):
            rows[key] = "deleted"
            continue
        values = {
            name: _canon(cleaned[name]) if name in cleaned else _UNKNOWN for name in _row_fields(formset)
        }
        if key:
            rows[key] = values
        elif form.has_changed():
            added.append(form)
    return rows, added


def _history(model, pk, since=None):
    """Who saved or deleted the object in the admin (since `since`), latest first: "Olga (Mon 16 May 2022, 10:32)"."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=str(pk),
        action_flag__in=[CHANGE, DELETION],
    ).select_related("user")
    if since is not None:
        entries = entries.filter(action_time__gt=since)
    return [
        f"{entry.user.get_full_name() or entry.user.get_username()} "
        f"({times.local_date(timezone.localtime(entry.action_time), 'D d M Y, H:i')})"
        for entry in entries.order_by("-action_time")[:5]
    ]


def find_conflict(obj, token, form, formsets):
    """The Conflict of saving `form` and `formsets` (bound, the form valid) over `obj` as saved now, or None when
    nothing changed since the form was opened."""
    formsets = _editable(formsets)
    now = saved_state(form, formsets)
    for formset in formsets:
        formset.is_valid()  # their values are what the organiser typed
    opened = read_token(obj, token)
    if opened is not None and opened[0] == now:
        return None
    base = opened[0] if opened else None
    conflict = Conflict(token=make_token(obj, now), unknown_base=base is None, data=form.data.copy())
    if opened:
        conflict.by = _history(type(obj), obj.pk, since=opened[1])
    unknown = pgettext("a version nobody knows", "(not known)")

    for name, form_field in _object_fields(form).items():
        saved = now["fields"][name]
        typed = _canon(form.cleaned_data[name]) if name in form.cleaned_data else _UNKNOWN
        if isinstance(typed, str) and typed.startswith("upload:"):
            conflict.uploads = True
        before = base["fields"].get(name, _UNKNOWN) if base else _UNKNOWN
        if base is not None and saved == before:
            continue
        if base is None and saved == typed:
            continue
        conflict.changes.append(
            Change(
                label=str(form_field.label or name),
                now=_shown(form_field, saved),
                opened=_shown(form_field, before) if base is not None else unknown,
                typed=_shown(form_field, typed),
                both=base is not None and typed not in (before, saved),
            )
        )
        # Left as it was opened: the other version goes into the form, so that saving again keeps it.
        if base is not None and typed == before:
            _set_field(conflict.data, form_field, form.add_prefix(name), form.initial.get(name))

    # Fields the form no longer edits (an attendee's details once erased): what the organiser typed there is
    # not saved, so the table says so rather than showing no change at all.
    closed = pgettext("a field of a form", "(cannot be changed any more)")
    for name in sorted(base["fields"].keys() - now["fields"].keys()) if base else ():
        label = capfirst(obj._meta.get_field(name).verbose_name)
        typed = form.data.get(form.add_prefix(name), "")
        conflict.changes.append(
            Change(label=str(label), now=closed, opened=str(base["fields"][name] or "–"), typed=typed or "–")
        )

    for formset in formsets:
        _inline_changes(conflict, formset, now["inlines"][formset.prefix], base, unknown)
    return conflict


def _inline_changes(conflict, formset, saved_rows, base, unknown):
    opened_rows = base["inlines"].get(formset.prefix, {}) if base else None
    typed_rows, added = _typed_rows(formset)
    name = formset.model._meta.verbose_name
    removed = pgettext("a row of a form", "(removed)")
    absent = pgettext("a row of a form", "(not there)")
    kept = []  # (key, items) of the rows the form shows again, saved ones first

    def typed_shown(key):
        typed = typed_rows.get(key)
        if typed is None:
            return absent
        return removed if typed == "deleted" else _row_shown(formset, typed)

    for key, saved in saved_rows.items():
        before = opened_rows.get(key) if opened_rows is not None else _UNKNOWN
        typed = typed_rows.get(key)
        changed_by_organiser = typed is not None and typed != before
        if opened_rows is None:
            differs = typed != saved
        else:
            differs = saved != before
        if differs:
            conflict.changes.append(
                Change(
                    # Translators: a row of an inline of a form (a talk's speakers, an event's rooms) in the table of a refused save, e.g. “Speaker: a row”.
                    label=_("%(name)s: a row") % {"name": name},
                    now=_row_shown(formset, saved),
                    opened=unknown
                    if opened_rows is None
                    else (absent if before is None else _row_shown(formset, before)),
                    typed=typed_shown(key),
                    both=changed_by_organiser and typed != saved,
                )
            )
        source = "typed" if (opened_rows is None or changed_by_organiser) and typed is not None else "saved"
        kept.append((key, source))
    gone = [key for key in typed_rows if key not in saved_rows]
    for key in gone:
        before = opened_rows.get(key) if opened_rows is not None else None
        conflict.changes.append(
            Change(
                label=_("%(name)s: a row") % {"name": name},
                now=removed,
                opened=unknown
                if opened_rows is None
                else (absent if before is None else _row_shown(formset, before)),
                typed=typed_shown(key),
                both=typed_rows[key] not in ("deleted", before),
            )
        )
    if opened_rows is None:
        return
    _merge_rows(conflict, formset, kept, gone, typed_rows, opened_rows, added)


def _merge_rows(conflict, formset, kept, gone, typed_rows, opened_rows, added):
    """The inline's rows in the form shown again: the saved ones (as the organiser typed them where they changed
    them), then the organiser's new rows, and those they changed that were deleted meanwhile, as new ones."""
    data, prefix = conflict.data, formset.prefix
    forms_by_key = {
        form.data.get(form.add_prefix(formset.model._meta.pk.name)): form for form in formset.forms
    }
    for key in [key for key in data if key.startswith(f"{prefix}-")]:
        if key.split("-")[1].isdigit() or key.endswith((TOTAL_FORM_COUNT, INITIAL_FORM_COUNT)):
            del data[key]
    rows = {str(row.pk): row for row in formset.get_queryset()}
    saved = {
        str(form.instance.pk): form.initial for form in formset.initial_forms if form.instance.pk is not None
    }
    position = 0
    for key, source in kept:
        at = f"{prefix}-{position}"
        items = (
            _row_items(formset, forms_by_key[key], at)
            if source == "typed"
            else _saved_row_items(formset, rows[key], saved.get(key, {}), at, formset.instance)
        )
        for item_key, value in items:
            data.appendlist(item_key, value)
        position += 1
    initial = position
    pk_name = formset.model._meta.pk.name
    renewed = [forms_by_key[key] for key in gone if typed_rows[key] not in ("deleted", opened_rows.get(key))]
    for form in [*renewed, *added]:
        at = f"{prefix}-{position}"
        for item_key, value in _row_items(formset, form, at):
            if item_key != f"{at}-{pk_name}":
                data.appendlist(item_key, value)
        position += 1
    data[f"{prefix}-{TOTAL_FORM_COUNT}"] = str(position)
    data[f"{prefix}-{INITIAL_FORM_COUNT}"] = str(initial)


def without_saved_rows(data, formsets):
    """The form's data as new: its inlines' rows are new rows of a new object."""
    data = data.copy()
    for formset in formsets:
        prefix, keys = formset.get_default_prefix(), (formset.model._meta.pk.name, formset.fk.name)
        if f"{prefix}-{INITIAL_FORM_COUNT}" in data:
            data[f"{prefix}-{INITIAL_FORM_COUNT}"] = "0"
        for key in [
            key for key in data if key.startswith(f"{prefix}-") and key.endswith(tuple(f"-{k}" for k in keys))
        ]:
            del data[key]
    return data


class ConcurrentEditsMixin:
    """For a ModelAdmin: its change form refuses a save based on an older version of the object (see the module).
    Put it first among the bases, so that the object is locked before anything else reads it."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or object_id is None or "_saveasnew" in request.POST:
            return super().changeform_view(request, object_id, form_url, extra_context)
        request.edit_formsets = []  # noted by get_formsets_with_inlines, compared by save_form
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DeletedMeanwhile as gone:
            return self._deleted_meanwhile(request, gone.pk, extra_context)
        except EditConflict as refused:
            # Nothing was written, and the save's transaction is over: the form is shown again, refused.
            request.POST, request.edit_conflict = refused.conflict.data, refused.conflict
            request.edit_formsets = None
            response = super().changeform_view(request, object_id, form_url, extra_context)
            response.status_code = 409
            return response

    def get_object(self, request, object_id, from_field=None):
        using = router.db_for_write(self.model)
        if (
            getattr(request, "edit_formsets", None) is not None
            and not getattr(request, "edit_locked", False)
            and from_field is None
            and transaction.get_connection(using).in_atomic_block
        ):
            # In the save's transaction, before the object is read: the save that gets the lock next reads what
            # this one writes. (The admin's queryset may count, which FOR UPDATE cannot go with.)
            request.edit_locked = True
            try:
                pk = self.model._meta.pk.to_python(object_id)
            except ValidationError:
                pk = None
            if pk is not None and not self.model._default_manager.select_for_update().filter(pk=pk).exists():
                raise DeletedMeanwhile(pk)
        return super().get_object(request, object_id, from_field)

    def _deleted_meanwhile(self, request, pk, extra_context):
        """The form sent back as one to add the object again, with everything the organiser typed."""
        request.edit_formsets = None
        formsets = [formset for formset, _inline in self.get_formsets_with_inlines(request, None)]
        request.POST = without_saved_rows(request.POST, formsets)
        conflict = Conflict(deleted=True)
        conflict.by = _history(self.model, pk)[:1]
        request.edit_conflict = conflict
        add_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_add")
        response = super().changeform_view(request, None, add_url, extra_context)
        response.status_code = 409
        return response

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            noting = getattr(request, "edit_formsets", None)
            if noting is not None:
                formset = _noted(formset, noting)
            yield formset, inline

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        conflict = getattr(request, "edit_conflict", None)
        if conflict is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                self.add_error(None, conflict.message)
                return cleaned

        RefusedForm.__name__ = form.__name__
        return RefusedForm

    def save_form(self, request, form, change):
        if change and getattr(request, "edit_formsets", None) is not None:
            conflict = find_conflict(form.instance, form.data.get(TOKEN_FIELD), form, request.edit_formsets)
            if conflict is not None:
                raise EditConflict(conflict)
        return super().save_form(request, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        conflict = getattr(request, "edit_conflict", None)
        if change:
            if conflict is not None:
                token = conflict.token
            elif request.method == "POST":
                # Sent back with mistakes: it still stands on the version it was opened with.
                token = request.POST.get(TOKEN_FIELD, "")
            else:
                formsets = [inline.formset for inline in context["inline_admin_formsets"]]
                token = make_token(obj, saved_state(context["adminform"].form, formsets))
            context["edit_token"] = token
            context["edit_token_field"] = TOKEN_FIELD
        context["edit_conflict"] = conflict
        if conflict is not None and obj is not None:
            context["edit_reload_url"] = request.path
        return super().render_change_form(request, context, add, change, form_url, obj)


def _noted(formset_class, noting):
    """`formset_class`, its instances noted in `noting` (the change form's save compares their rows)."""

    class Noted(formset_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            noting.append(self)

    Noted.__name__ = formset_class.__name__
    return Noted


# Bulk actions: what the list showed.


class ShownAtActionForm(helpers.ActionForm):
    """The admin's action form, saying when the list was shown, so that an action leaves out what was saved since
    (see unchanged_since_shown)."""

    shown_at = forms.CharField(
        widget=forms.HiddenInput, required=False, label="", initial=lambda: timezone.now().isoformat()
    )


def unchanged_since_shown(modeladmin, request, queryset, changed_at="updated_at"):
    """`queryset` without the rows saved after the list the action was chosen in was shown: an action chosen by
    what the list showed does not undo a save made since. The organiser is told which were left out."""
    try:
        shown_at = dt.datetime.fromisoformat(request.POST.get("shown_at", ""))
    except ValueError:
        return queryset
    changed = list(queryset.filter(**{f"{changed_at}__gt": shown_at}))
    if changed:
        names = ", ".join(f"“{obj}”" for obj in changed)
        modeladmin.message_user(
            request,
            ngettext(
                "%(names)s was changed since the list was shown and is left out: check it and choose again.",
                "%(names)s were changed since the list was shown and are left out: check them and choose again.",
                len(changed),
            )
            % {"names": names},
            messages.WARNING,
        )
    return queryset.exclude(pk__in=[obj.pk for obj in changed])
