"""Records: what ``@dataclass(frozen=True, slots=True)`` gives, without its start-up cost.

A dataclass writes its ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and
``__setattr__``/``__delattr__`` as text and compiles each with ``exec`` when the class
is created: about 0.5 ms per class, and a run of ``pml-trials screen`` creates some
forty classes (15-20 ms of every call, issue 8). A :class:`Record` declares its fields
the same way, as annotations with optional defaults, and shares one generic version of
each method (instances are built about as fast as a dataclass's). Type checkers treat it
as a dataclass (``dataclass_transform``)::

    class Source(Record):
        key: str
        citation: str
        url: str | None = None

A record is frozen, compared and hashed by its fields, and has ``__slots__`` made of its
fields. ``class Tally(Record, frozen=False)`` makes a mutable one (unhashable, as a
dataclass). A class that needs an instance dictionary (for ``functools.cached_property``)
declares ``__slots__ = ("__dict__",)``. :func:`field` takes ``default``,
``default_factory``, ``compare`` and ``repr``, as the dataclasses function does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from itertools import repeat
from typing import Any, ClassVar, TypeVar, dataclass_transform

_NONE: Any = object()  # no default: the field must be given
R = TypeVar("R", bound="Record")


class _Field:
    __slots__ = ("compare", "default", "factory", "repr")

    def __init__(
        self, default: Any, factory: Callable[[], Any] | None, compare: bool, repr: bool
    ) -> None:
        self.default = default
        self.factory = factory
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = _NONE,
    default_factory: Callable[[], Any] | None = None,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field with options, as ``dataclasses.field``: ``compare=False`` leaves it out of
    equality and the hash, ``repr=False`` out of the representation."""
    return _Field(default, default_factory, compare, repr)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class _RecordType(type):
    """Collects a record class's fields (its bases' first) when the class is created."""

    def __new__(
        mcs,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        *,
        frozen: bool = True,
    ) -> _RecordType:
        fields: dict[str, _Field] = {}
        for base in reversed(bases):
            fields.update(getattr(base, "__record_fields__", {}))
        own = []
        for key, annotation in namespace.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = namespace.pop(key, _NONE)  # a class attribute would shadow the slot
            fields[key] = value if isinstance(value, _Field) else _Field(value, None, True, True)
            own.append(key)
        namespace["__slots__"] = (*own, *namespace.get("__slots__", ()))
        namespace["__match_args__"] = tuple(fields)
        if not frozen:
            namespace.update(__setattr__=object.__setattr__, __delattr__=object.__delattr__)
            namespace["__hash__"] = None
        namespace["__record_fields__"] = fields
        namespace["__record_names__"] = tuple(fields)
        namespace["__record_compare__"] = tuple(k for k, f in fields.items() if f.compare)
        namespace["__record_repr__"] = tuple(k for k, f in fields.items() if f.repr)
        return super().__new__(mcs, name, bases, namespace)


_set = object.__setattr__
# Runs an iterator to its end, in C: setting the fields this way is faster than a loop.
_each = deque[None](maxlen=0).extend


class Record(metaclass=_RecordType):
    """Base class of records; see the module docstring."""

    __slots__ = ()
    __record_fields__: ClassVar[dict[str, _Field]]
    __record_names__: ClassVar[tuple[str, ...]]
    __record_compare__: ClassVar[tuple[str, ...]]
    __record_repr__: ClassVar[tuple[str, ...]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__record_names__
        if len(args) == len(names) and not kwargs:  # the common case, as short as it gets
            _each(map(_set, repeat(self), names, args))
            return
        if len(args) > len(names):
            raise TypeError(
                f"{type(self).__name__}() takes {len(names)} arguments, {len(args)} given"
            )
        _each(map(_set, repeat(self), names, args))  # the ones given by position
        self._rest(names[len(args) :], kwargs)

    def _rest(self, names: tuple[str, ...], kwargs: dict[str, Any]) -> None:
        """The fields not given by position: by keyword, else their defaults."""
        for key in names:
            if key in kwargs:
                _set(self, key, kwargs.pop(key))
                continue
            spec = self.__record_fields__[key]
            if spec.factory is not None:
                _set(self, key, spec.factory())
            elif spec.default is not _NONE:
                _set(self, key, spec.default)
            else:
                raise TypeError(f"{type(self).__name__}() is missing the argument {key!r}")
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}() got unexpected or repeated arguments {sorted(kwargs)}"
            )

    def _values(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple([getattr(self, key) for key in names])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = self.__record_compare__
        return self._values(names) == other._values(names)

    def __hash__(self) -> int:
        return hash(self._values(self.__record_compare__))

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={getattr(self, key)!r}" for key in self.__record_repr__)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {key!r}: {type(self).__name__} is frozen")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"cannot delete field {key!r}: {type(self).__name__} is frozen")

    def __reduce__(self) -> tuple[type[Record], tuple[Any, ...]]:
        # Pickled by its fields (to worker processes): the default way would set the
        # slots one by one, which a frozen record refuses.
        return type(self), self._values(self.__record_names__)


def replace(record: R, **changes: Any) -> R:
    """A copy of ``record`` with some fields changed, as ``dataclasses.replace``."""
    values = {key: getattr(record, key) for key in record.__record_names__}
    values.update(changes)  # a key that is no field is refused by __init__
    return type(record)(**values)
