"""What every page form shares: a service's error shown beside the field it names."""

from django import forms

from kefu.errors import ServiceError


class ServiceErrorForm(forms.Form):
    """A form that shows a service's error next to the field it names (or above the form)."""

    # the services' and the rules' field names → this form's fields
    error_fields: dict[str, str] = {}

    def add_service_error(self, exc: ServiceError) -> None:
        field = exc.field if exc.field in self.fields else None
        for prefix, name in self.error_fields.items():
            if field is None and exc.field and exc.field.startswith(prefix):
                field = name
        self.add_error(field, exc.message)
