from lingong.model.records import KIND_DECISIONS, KIND_REGISTRY, KIND_REPORT, KIND_SKIPPED
from lingong.read.classify import REASON_NOT_OURS, classify
from lingong.read.labels import sheet_lookup


def test_a_report_needs_only_one_of_its_two_sheets_to_be_recognised():
    assert classify(["填报说明", "基本信息", "月度指标"]) == ((KIND_REPORT,), "")
    assert classify(["月度指标"]) == ((KIND_REPORT,), "")  # the missing sheet is the reader's error


def test_names_are_compared_after_trimming_spaces():
    assert classify([" 基本信息 "]) == ((KIND_REPORT,), "")
    assert classify(["驿站名册\u3000"]) == ((KIND_REGISTRY,), "")
    assert sheet_lookup(["驿站名册 ", "Sheet1"]) == {"驿站名册": "驿站名册 ", "Sheet1": "Sheet1"}


def test_one_file_can_be_registry_and_decisions():
    assert classify(["考核组意见", "驿站名册"]) == ((KIND_REGISTRY, KIND_DECISIONS), "")
    assert classify(["考核组意见"]) == ((KIND_DECISIONS,), "")


def test_a_report_is_never_read_as_a_registry():
    assert classify(["基本信息", "月度指标", "驿站名册"]) == ((KIND_REPORT,), "")


def test_other_workbooks_are_skipped_with_a_reason():
    assert classify(["Sheet1", "汇总"]) == ((KIND_SKIPPED,), REASON_NOT_OURS)
    assert classify([]) == ((KIND_SKIPPED,), REASON_NOT_OURS)


def test_one_forgiving_comparison_for_every_sheet_lookup():
    # Inner and ideographic spaces, full-width brackets: the same key when classifying,
    # choosing the sheets to read and finding a sheet (read/labels.sheet_key).
    from lingong.read.labels import sheet_key
    from lingong.read.scan_base import wants

    assert classify(["月度 指标"]) == ((KIND_REPORT,), "")
    assert classify(["考核组\u3000意见"]) == ((KIND_DECISIONS,), "")
    assert sheet_key("明细（一）") == sheet_key("明细(一)")
    assert wants({"月度指标"}, " 月度　指标 ")
