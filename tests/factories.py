import factory
from django.contrib.auth import get_user_model

from connections_admin.models import Connection


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    name = factory.Sequence(lambda n: f"conn-{n}")
    display_name = factory.LazyAttribute(lambda c: c.name.replace("-", " ").title())
