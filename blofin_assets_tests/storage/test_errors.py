from blofin_assets.storage.errors import brief


def test_an_error_is_told_in_one_line_of_its_type_and_first_line_or_its_type_alone():
    assert brief(ValueError("bad value\n  at line 3\n  more")) == "ValueError: bad value"
    assert brief(OSError("x" * 400), limit=10) == "OSError: xxxxxxxxxx"
    assert brief(RuntimeError()) == "RuntimeError"
    assert brief(KeyError("")) == "KeyError: ''"
