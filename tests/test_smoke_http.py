"""The app starts, logs a user in and stores a synced customer."""


def test_new_customer_gets_code(make_device, state):
    device = make_device("sales")
    customer = device.edit("customers", name="张三", phone="13800000000")
    device.sync()
    assert device.get("customers", customer)["code"] == "KH000001"
    row = state.records.get().execute("SELECT name, code FROM customers WHERE id = ?", (customer,)).fetchone()
    assert tuple(row) == ("张三", "KH000001")
