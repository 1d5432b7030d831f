"""Class mode: a teacher's room that students join by code, answer in, and see revealed.

Pure Python (no Streamlit, no torch): ``rooms`` holds the rules, ``store`` the two backends
(SQLite by default, Redis for several replicas).
"""

from timestep_lab.classroom.rooms import (
    ClassError,
    Classroom,
    Limits,
    Refused,
    Room,
    RoomNotFound,
    new_session_id,
    normalize_code,
)
from timestep_lab.classroom.store import RedisStore, SQLiteStore, StoreUnavailable, open_store

__all__ = [
    "ClassError",
    "Classroom",
    "Limits",
    "RedisStore",
    "Refused",
    "Room",
    "RoomNotFound",
    "SQLiteStore",
    "StoreUnavailable",
    "new_session_id",
    "normalize_code",
    "open_store",
]
