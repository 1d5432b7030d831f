"""The classroom lesson: steps, questions and answers as plain data."""

from timestep_lab.lesson.steps import Choice, Guess, LessonStep, lesson

__all__ = ["Choice", "Guess", "LessonStep", "lesson"]
