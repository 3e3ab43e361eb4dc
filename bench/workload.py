"""The peer benchmark's records, generated the same way in Python.

``make_doc`` reproduces the PouchDB benchmark's generator (a linear
congruential generator computed in IEEE doubles, as JavaScript computes
it), so seed 1001 gives the same 12-field documents byte for byte.
``to_customer`` maps one document onto the fields of the ``customers``
table:

| document | customers field |
|---|---|
| ``_id`` (``cust:000123``) | ``id``: a UUID derived from ``_id`` (the protocol wants UUIDs) |
| ``name``, ``company``, ``phone``, ``email``, ``address`` | the same fields |
| ``status`` (潜在客户/跟进中/已成交/已流失) | ``stage`` (线索/跟进中/已成交/已流失) |
| ``owner`` (``sales-0`` … ``sales-16``) | ``owner_id``: the id of that sales user |
| ``city``, ``tags`` | appended to ``notes`` (the table has no such columns) |
| ``notes`` | ``notes`` |
| ``type`` | the table itself |
| ``updated_at`` | the dots' ``edited_at``, stamped by the device when it writes |
"""

import json
import uuid

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
GIVEN_NAMES = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚")
CITIES = ["北京市", "上海市", "广州市", "深圳市", "杭州市", "成都市", "武汉市", "南京市"]
DISTRICTS = ["朝阳区", "海淀区", "浦东新区", "天河区", "南山区", "西湖区", "武侯区", "鼓楼区"]
COMPANIES = ["华信科技有限公司", "东方贸易集团", "长城物流股份公司", "明德咨询服务中心", "金桥电子商务有限公司"]
STATUSES = ["潜在客户", "跟进中", "已成交", "已流失"]
NOTES = ["客户对新产品很感兴趣，下周安排上门拜访。", "已发送报价单，等待客户回复确认。",
         "需要跟进合同细节，重点关注付款条款。", "客户反馈售后服务响应较慢，需要改进。"]
REGIONS = ["华东", "华南", "华北", "西南"]
OWNER_COUNT = 17  # the documents name owners sales-0 … sales-16

STAGE_OF_STATUS = {"潜在客户": "线索", "跟进中": "跟进中", "已成交": "已成交", "已流失": "已流失"}
ID_NAMESPACE = uuid.UUID("0d7c2a4e-5b1f-4f0e-9a8e-2c6b7f1e3d90")

# The edits of the conflict phase, as the peer benchmark makes them.
EDIT_A = {"phone": "19900000000", "stage": "已成交"}           # the document's status 已成交
EDIT_B = {"address": "上海市浦东新区世纪大道100号", "notes": "离线时修改地址"}


class DocGenerator:
    """The peer benchmark's random documents for one seed."""

    def __init__(self, seed: int):
        self.seed = float(seed)

    def random(self) -> float:
        # JavaScript numbers are doubles: the product loses low bits exactly
        # as it does in the JavaScript generator, so float arithmetic is kept.
        self.seed = (self.seed * 1103515245.0 + 12345.0) % 2147483648.0
        return self.seed / 2147483648.0

    def pick(self, items: list):
        return items[int(self.random() * len(items))]

    def make_doc(self, i: int) -> dict:
        city = self.pick(CITIES)
        # Dict literals evaluate in order, like the object literal in JavaScript,
        # so the random numbers are drawn in the same sequence.
        return {
            "_id": f"cust:{i:06d}",
            "type": "customer",
            "name": self.pick(SURNAMES) + self.pick(GIVEN_NAMES) + self.pick(GIVEN_NAMES),
            "company": self.pick(COMPANIES),
            "phone": "1" + str(3000000000 + int(self.random() * 999999999)),
            "email": f"user{i}@example.cn",
            "address": (city + self.pick(DISTRICTS) + "建设路" + str(1 + int(self.random() * 999)) + "号"
                        + str(1 + int(self.random() * 30)) + "楼"),
            "city": city,
            "status": self.pick(STATUSES),
            "tags": ["重点客户", self.pick(REGIONS)],
            "notes": self.pick(NOTES),
            "owner": f"sales-{i % OWNER_COUNT}",
            "updated_at": "2024-05-01T08:00:00Z",
        }


def make_docs(count: int, run: int) -> list[dict]:
    """Return the ``count`` documents of run ``run`` (seed 1000 + run, as the peer uses)."""
    generator = DocGenerator(1000 + run)
    return [generator.make_doc(i) for i in range(count)]


def doc_bytes(doc: dict) -> int:
    """Return the size of ``doc`` as compact UTF-8 JSON, as ``JSON.stringify`` writes it."""
    return len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())


def record_id(doc_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, doc_id))


def to_customer(doc: dict, owner_ids: list[str]) -> dict:
    """Return the ``customers`` fields for one document; ``owner_ids[k]`` is user sales-k."""
    owner_index = int(doc["owner"].removeprefix("sales-"))
    return {
        "name": doc["name"],
        "company": doc["company"],
        "phone": doc["phone"],
        "email": doc["email"],
        "address": doc["address"],
        "stage": STAGE_OF_STATUS[doc["status"]],
        "owner_id": owner_ids[owner_index],
        "notes": f"{doc['notes']}\n城市：{doc['city']}\n标签：{'、'.join(doc['tags'])}",
    }


def edited_ids(count: int) -> list[str]:
    """Return the record ids the conflict phase edits: every tenth document, N/10 of them."""
    return [record_id(f"cust:{i * 10:06d}") for i in range(count // 10)]
