"""Import and export messages: Chinese first, English beside it.

Each code maps to (Chinese, English) templates filled with the problem's
values. A row problem's message leaves out the row and column, because
the report shows them beside it. File-level messages end with what to do
next.
"""

IMPORT_MESSAGES: dict[str, tuple[str, str]] = {
    # The whole file fails, and nothing is imported.
    "file_empty": ("文件 {name} 是空的。", "The file {name} is empty."),
    "xls_not_supported": ("不支持旧的 .xls 格式（{name}）。请在 Excel 中“另存为”.xlsx 后再导入。",
                          "The old .xls format is not supported ({name}). Save it as .xlsx in Excel and import that."),
    "csv_unreadable": ("无法按 CSV 读取 {name} 的第 {line} 行。请在 Excel 中打开它并另存为 .xlsx 后再导入。",
                       "Cannot read line {line} of {name} as CSV ({detail}). Open it in Excel, save it as .xlsx "
                       "and import that."),
    "xlsx_damaged": ("{name} 不是有效的 Excel 工作簿，可能已损坏或没有下载完整。请在 Excel 中打开并另存为 .xlsx 后再导入。",
                     "{name} is not a valid Excel workbook: it may be damaged or incompletely downloaded. "
                     "Open it in Excel, save it as .xlsx and import that."),
    "too_many_rows": ("{name} 的一个工作表超过 {limit} 行。请拆分成几个文件分批导入。",
                      "A sheet of {name} has more than {limit} rows. Split it into several files."),
    "encoding_unknown": ("无法识别 {name} 的文字编码（不是 UTF-8，也不是 GBK/GB18030）。请在 Excel 中另存为“CSV UTF-8”。",
                         "Cannot tell the text encoding of {name} (neither UTF-8 nor GBK/GB18030). "
                         "Save it from Excel as \"CSV UTF-8\"."),
    "no_ledger_found": ("没有在任何工作表中找到台账的表头行（例如“客户名称”“联系电话”“应收金额”“投诉内容”）。"
                        "请确认表头在前 30 行内。",
                        "No sheet has a ledger header row (such as 客户名称, 联系电话, 应收金额, 投诉内容) "
                        "within its first 30 rows."),
    "no_ledger_of_kind": ("没有找到{kind_title}的表头行。请检查列名，或换一种台账类型。",
                          "No header row of a {kind_title_en} was found. Check the column names or choose another kind."),
    "no_data_rows": ("工作表“{sheet}”第 {row} 行是{kind_title}的表头，但下面没有数据行，没有可导入的内容。请检查是否选错了文件。",
                     "Row {row} of sheet \"{sheet}\" is the header of a {kind_title_en}, but no data rows follow, "
                     "so there is nothing to import. Check that this is the right file."),
    "owner_not_found": ("找不到用户 {username}。请检查拼写，或请管理员先创建该用户（genzong user add）。",
                        "No user named {username}. Check the spelling, or ask the administrator to create the user "
                        "('genzong user add')."),
    "owner_disabled": ("用户 {username} 已停用，不能作为负责人。", "User {username} is disabled and cannot own records."),
    "rows_rejected": ("有 {count} 行无法导入，所以没有导入任何数据。请按报告修改这些行后重新导入。",
                      "{count} rows cannot be imported, so nothing was imported. Fix them as the report says and import again."),
    "database_changing": ("导入期间相关数据一直在被修改（已重试 {attempts} 次），没有导入任何数据。请稍后再试。",
                          "The records this import depends on kept changing ({attempts} attempts); nothing was "
                          "imported. Try again later."),
    "import_file_missing": ("请选择要导入的 .xlsx 或 .csv 文件。", "Choose an .xlsx or .csv file to import."),
    "invalid_kind": ("台账类型“{value}”无效，可选：customers、receivables、tickets。",
                     "Invalid ledger kind \"{value}\"; use customers, receivables or tickets."),
    "import_failed": ("导入失败（{detail}），没有导入任何数据。请稍后重试，或联系管理员。",
                      "The import failed ({detail}); nothing was imported. Retry later or contact the administrator."),

    # A cell's value cannot be stored exactly: the row is rejected.
    "invalid_amount": ("“{value}”不是可识别的金额。请写成 1234.50、1.8万 或 五千 这样的形式。",
                       "\"{value}\" is not an amount. Write it like 1234.50, 1.8万 or 五千."),
    "amount_below_fen": ("金额“{value}”有不足一分的部分，无法精确保存。请最多保留两位小数。",
                         "The amount \"{value}\" has a fraction of a fen and cannot be stored exactly. Use at most two decimals."),
    "amount_too_large": ("金额“{value}”太大。请检查是否多写了位数。",
                         "The amount \"{value}\" is too large. Check for extra digits."),
    "amount_negative": ("金额“{value}”是负数。应收和回款都应为正数，退款请写在备注中。",
                        "The amount \"{value}\" is negative. Amounts must be positive; note refunds in the notes."),
    "payment_not_positive": ("回款金额必须大于零，这里是“{value}”。", "A payment must be above zero, got \"{value}\"."),
    "invalid_date": ("“{value}”不是可识别的日期。请写成 2022-07-31 或 2022年7月31日。",
                     "\"{value}\" is not a date. Write it like 2022-07-31 or 2022年7月31日."),
    "date_not_exist": ("日期“{value}”不存在。请检查月份和日。", "The date \"{value}\" does not exist. Check month and day."),
    "invalid_choice": ("“{value}”不是有效的取值。可选：{allowed}。",
                       "\"{value}\" is not a valid value. Use one of: {allowed}."),
    "invalid_score": ("“{value}”应为 {low} 到 {high} 之间的整数。",
                      "\"{value}\" must be a whole number from {low} to {high}."),
    "invalid_location": ("位置“{value}”应写成“纬度,经度”，例如 30.2741,120.1551。",
                         "The location \"{value}\" must be \"latitude,longitude\", such as 30.2741,120.1551."),
    "formula_without_value": ("单元格是公式 {value}，但文件没有保存计算结果。请在 Excel 中打开并保存后再导入。",
                              "The cell holds the formula {value} without a saved result. Open and save the file "
                              "in Excel, then import it."),
    "text_too_long": ("内容太长（{length} 个字，最多 {limit} 个字）：{value}",
                      "The text is too long ({length} characters, at most {limit}): {value}"),
    "amount_merged": ("金额“{value}”在合并单元格 {range} 中，跨越多行，无法确定每一行的金额。"
                      "请取消合并，在每一行填写它自己的金额后重新导入。",
                      "The amount \"{value}\" is in the merged cells {range}, which span several rows, so "
                      "each row's amount is unknown. Unmerge them, enter each row's own amount and import again."),
    "missing_value": ("缺少{column_title}。", "The {column_title_en} is missing."),
    "follow_up_customer_not_found": ("找不到跟进记录对应的客户“{value}”。请检查客户编号或客户名称。",
                                     "No customer \"{value}\" for this follow-up. Check the customer code or name."),
    "payment_receivable_not_found": ("找不到应收序号为“{value}”的应收行。",
                                     "No receivable row with the number \"{value}\"."),

    # Imported, with a warning or a note on how the value was read.
    "approximate_amount": ("“{value}”是约数，按 {amount} 元导入。",
                           "\"{value}\" is approximate; imported as {amount} yuan."),
    "month_only": ("“{value}”只有年和月，按 {date} 导入。", "\"{value}\" gives only a month; imported as {date}."),
    "year_inferred": ("“{value}”没有年份，按 {year} 年导入。", "\"{value}\" has no year; imported as {year}."),
    "kept_in_notes": ("“{value}”不是具体的值，已原样写入备注。",
                      "\"{value}\" is not a definite value; kept as typed in the notes."),
    "unknown_status": ("无法识别的状态“{value}”（可选：{allowed}）。付款状态由系统根据金额和期限计算，此列只用于核对。",
                       "Unknown status \"{value}\" (one of {allowed}). Payment status is computed from amounts and "
                       "the due date; this column is only checked."),
    "resolved_at_from_visit": ("状态为{value}，但没有解决时间，按回访日期 {date} 记为解决时间，处理时效报表按此计算。"
                               "如知道实际解决时间，请在应用中修改。",
                               "The status is {value} but there is no resolution time, so the follow-up visit date "
                               "{date} is stored as the resolution time, which the handling-time reports use. "
                               "Correct it in the app if you know the actual time."),
    "resolved_without_time": ("状态为{value}，但没有解决时间和回访日期，处理时效报表和问题周报不会把它计为已解决。"
                              "请在台账中加一列“解决日期”，或导入后在应用中填写解决时间。",
                              "The status is {value} but there is neither a resolution time nor a follow-up visit "
                              "date, so the handling-time reports and the weekly issue report do not count it as "
                              "resolved. Add a 解决日期 column to the ledger, or enter the time in the app after "
                              "importing."),
    "score_from_word": ("“{value}”按 {score} 分导入。", "\"{value}\" imported as a score of {score}."),
    "phone_zero_restored": ("电话 {value} 被 Excel 存成了数字，丢了开头的 0，已恢复为 {phone}。",
                            "Excel stored the phone {value} as a number without its leading 0; restored as {phone}."),
    "phone_unrecognised": ("“{value}”不是可识别的电话号码，按原样保存。请核对。",
                           "\"{value}\" is not a recognisable phone number; stored as typed. Please check it."),
    "follow_up_without_date": ("沟通记录“{value}”没有日期，已写入备注。",
                               "The follow-up note \"{value}\" has no date; kept in the notes."),
    "outstanding_unreadable": ("未收金额“{value}”无法识别，未用于核对。",
                               "The outstanding amount \"{value}\" cannot be read; it was not checked."),
    "paid_from_status": ("没有已收金额，按付款状态“{value}”记为全额回款 {amount} 元。",
                         "No amount paid; recorded a full payment of {amount} yuan from the status \"{value}\"."),
    "paid_from_outstanding": ("没有已收金额，按应收减未收记为回款 {paid} 元。",
                              "No amount paid; recorded {paid} yuan paid (amount receivable minus outstanding)."),
    "partly_paid_without_amount": ("状态是“{value}”，但没有已收金额，没有记录回款。请补充已收金额。",
                                   "The status is \"{value}\" but no amount paid is given; no payment was recorded."),
    "outstanding_mismatch": ("未收金额 {value} 与 应收 {amount} − 已收 {paid} 不一致，按应收和已收导入。",
                             "Outstanding {value} does not equal receivable {amount} minus paid {paid}; "
                             "imported from receivable and paid."),
    "overpaid": ("已收 {paid} 元超过应收 {amount} 元（多收）。", "Paid {paid} yuan exceeds the {amount} yuan receivable (overpaid)."),
    "status_mismatch": ("付款状态“{value}”与金额不符（应收 {amount}，已收 {paid}）。系统按金额和付款期限计算状态。",
                        "The status \"{value}\" does not fit the amounts (receivable {amount}, paid {paid}). "
                        "Genzong derives the status from amounts and the due date."),
    "skipped_blank": ("空行，已跳过。", "Blank row, skipped."),
    "skipped_subtotal": ("合计/小计行，已跳过。", "Total or subtotal row, skipped."),
    "skipped_header": ("重复的表头行，已跳过。", "Repeated header row, skipped."),
    "owner_unknown": ("负责人“{value}”不是系统用户，记录没有分配给此人，原负责人已记入备注（工单记入调查情况）。"
                      "如需分配，请先创建该用户，或改成已有用户的姓名。",
                      "The owner \"{value}\" is not a user, so the record was not assigned to them; the name is kept "
                      "in the notes (for tickets, in the investigation). Create the user or use an existing user's "
                      "name to assign it."),
    "dealer_unknown": ("没有名为“{value}”的经销点，没有关联，名称已记入备注。请先由经理添加该经销点。",
                       "No dealer is called \"{value}\", so none was linked; the name is kept in the notes. A "
                       "manager can add the dealer first."),
    "phone_name_differs": ("电话与客户 {value} 相同，但姓名明显不同，不合并，新建客户。请人工核对。",
                           "The phone matches the customer {value} but the name clearly differs, so a new customer "
                           "is created instead of merging. Please check."),
    "generic_name": ("“泛称”姓名且电话不匹配（客户 {value} 同名），不合并，新建客户。请人工核对。",
                     "A generic name without a matching phone (the customer {value} has the same name), so a new "
                     "customer is created instead of merging. Please check."),
    "same_name_other_phone": ("与客户 {value} 同名但电话不同，不合并，新建客户。请人工核对。",
                              "Same name as the customer {value} but a different phone, so a new customer is created "
                              "instead of merging. Please check."),
    "same_customer_as_row": ("与第 {other_row} 行是同一客户，合并为一条。", "Same customer as row {other_row}; merged."),
    "row_values_replaced": ("本行的值替换了第 {other_row} 行的值：{changes}。请核对。",
                            "This row's values replace those of row {other_row}: {changes_en}. Please check."),
    "matched_by_code": ("按客户编号匹配到已有客户 {value}。", "Matched the existing customer {value} by code."),
    "matched_by_phone": ("按电话匹配到已有客户 {value}。", "Matched the existing customer {value} by phone."),
    "matched_by_name": ("按名称和公司匹配到已有客户 {value}。", "Matched the existing customer {value} by name and company."),
    "matched_by_company": ("按公司名称匹配到已有客户 {value}。", "Matched the existing customer {value} by company name."),
    "follow_ups_added": ("新增 {count} 条跟进记录。", "Adds {count} follow-ups."),
    "referrer_not_found": ("找不到介绍人“{value}”对应的客户，没有关联。", "No customer matches the referrer \"{value}\"; not linked."),
    "customer_created": ("新建客户“{value}”。", "Creates the customer \"{value}\"."),
    "payments_exceed_ledger": ("已收金额 {paid} 元少于系统中已记录的回款 {recorded} 元，没有修改回款记录。",
                               "Paid {paid} yuan is less than the {recorded} yuan of payments already recorded; "
                               "payments were left unchanged."),
    "payment_added": ("补记回款 {amount} 元。", "Adds a payment of {amount} yuan."),
    "detail_payments_mismatch": ("已收金额 {paid} 元与回款记录合计 {total} 元不一致，按回款记录导入。",
                                 "Paid {paid} yuan differs from the {total} yuan of listed payments; imported the "
                                 "listed payments."),
    "ticket_linked": ("关联到客户 {value}。", "Linked to the customer {value}."),
    "duplicate_ticket_row": ("与第 {other_row} 行是同一工单，合并为一条。", "Same ticket as row {other_row}; merged."),

    # About the whole file.
    "csv_read_as": ("按 {encoding} 编码、分隔符 {delimiter} 读取。", "Read as {encoding} with the delimiter {delimiter}."),
    "ledger_found": ("在工作表“{sheet}”第 {row} 行找到{kind_title}的表头。",
                     "Found the header of a {kind_title_en} in sheet \"{sheet}\", row {row}."),
    "detail_sheet_found": ("同时导入工作表“{sheet}”中的{kind_title}。", "Also imports the {kind_title_en} in sheet \"{sheet}\"."),
    "sheets_skipped": ("工作表 {sheets} 中没有台账，已跳过。", "The sheets {sheets} hold no ledger and were skipped."),
    "kind_differs": ("按{kind_title}导入，但表头更像{likely_title}。如果选错了台账类型，请改选{likely_title}或“自动识别”后重新试导入。",
                     "Imported as a {kind_title_en}, but the header looks more like a {likely_title_en}. If the "
                     "kind was chosen by mistake, choose {likely_title_en} or automatic detection and run the dry "
                     "run again."),
    "merged_cells_filled": ("合并单元格 {ranges} 跨越多行，按 Excel 的显示把它的值用于其中每一行。请核对这些行。",
                            "The merged cells {ranges_en} span several rows, so their value is used for each of "
                            "those rows, as Excel shows it. Check these rows."),
    "unused_columns": ("没有导入的列：{columns}。", "Columns not imported: {columns}."),
    "years_inferred_from_file": ("{count} 个日期没有写年份（如 {examples}），按文件中最常见的年份 {year} 年导入。",
                                 "{count} dates have no year (such as {examples}); imported in {year}, the most "
                                 "common year among the file's dates."),
    "years_inferred_from_today": ("{count} 个日期没有写年份（如 {examples}），文件中也没有完整日期，按今年 {year} 年导入。",
                                  "{count} dates have no year (such as {examples}) and the file has no full dates; "
                                  "imported in this year, {year}."),
    "timestamps_shifted": ("{count} 个带时区的时间已换算为 {time_zone} 的日期。",
                           "{count} times with a time zone were converted to dates in {time_zone}."),
    "customers_to_pool": ("{count} 个新客户没有负责人，将进入公海，所有业务员都能看到并认领。如需指定负责人，请选择负责人或在表中加“负责人”列。",
                          "{count} new customers have no owner and go to the public pool, where every sales rep "
                          "sees and can claim them. Choose an owner, or add a 负责人 column, to assign them."),
    "payment_dates_assumed": ("台账没有回款日期：{count} 笔回款的日期按付款期限记录（尚未到期的按今天），并在回款备注中注明。",
                              "The ledger has no payment dates: {count} payments are dated on their due date (today "
                              "when not yet due), with a note on each payment."),
}


def import_message(code: str, lang: str = "zh", **values) -> str:
    """Return the message for ``code`` in ``lang`` ("zh" or "en") with ``values`` filled in."""
    zh, en = IMPORT_MESSAGES[code]
    template = en if lang == "en" else zh
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
