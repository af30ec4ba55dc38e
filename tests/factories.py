"""factory_boy factories for the platform's records (real rows, real database).

Each factory is generic in its model, so ``XFactory.create(...)`` is typed as the
model for mypy (the benchmarks, which are type-checked, use that form).
"""

from typing import Any

import factory

from annotations.models import Case, Center, Membership, Mosaic, MosaicStatus, Project, Read, Role
from annotations.vocabulary import Diagnosis
from users.models import User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    # A post-generation hook receives the built user as its first argument.
    @factory.post_generation
    def password(user: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        user.set_password(extracted or "pw-for-tests")
        if create:
            user.save(update_fields=["password"])


class CenterFactory(factory.django.DjangoModelFactory[Center]):
    class Meta:
        model = Center

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Center {o.code}")


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    slug = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = Role.READER
    center = None


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    class Meta:
        model = Case

    project = factory.SubFactory(ProjectFactory)
    center = factory.SubFactory(CenterFactory)
    code = factory.Sequence(lambda n: f"CASE{n:04d}")
    patient_code = factory.Sequence(lambda n: f"PT{n:04d}")
    diagnosis = Diagnosis.BASAL_CELL_CARCINOMA


class MosaicFactory(factory.django.DjangoModelFactory[Mosaic]):
    class Meta:
        model = Mosaic

    case = factory.SubFactory(CaseFactory)
    original_filename = "mosaic.tif"
    width = 2000
    height = 1500
    um_per_px = 0.5
    status = MosaicStatus.READY


class ReadFactory(factory.django.DjangoModelFactory[Read]):
    class Meta:
        model = Read

    mosaic = factory.SubFactory(MosaicFactory)
    reader = factory.SubFactory(UserFactory)


def member(project: Project, role: Role, center: Center | None = None, **user_kwargs: Any) -> Any:
    """A user with ``role`` in ``project`` (contributors get ``center``)."""
    user = UserFactory.create(**user_kwargs)
    MembershipFactory(user=user, project=project, role=role, center=center)
    return user
