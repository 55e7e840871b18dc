"""The column headers other CRMs write, by the customer field each one feeds.

Compared by :func:`highseas.intake.mapping.header_key` (case, width, spaces, punctuation and
required marks such as ``*客户名称`` or ``客户名称(*)`` do not count). Where they come from:

- WukongCRM (72crm, e.g. ``wuhe619/salescomm``'s ``CrmCustomerController.downloadExcel``): an XLS
  template with a merged title row "客户导入模板(*)为必填项" above the header, required fields
  marked ``(*)``; customers 客户名称, 客户级别, 客户行业, 客户来源, 手机, 电话, 网址, 下次联系时间,
  备注, 详细地址, 省市区 (its export's region column); leads 线索名称 (the company), 线索来源.
- yudao (``YunaiV/ruoyi-vue-pro``, ``CrmCustomerImportExcelVO``): 客户名称, 手机, 电话, QQ, 微信,
  邮箱, 地区, 详细地址, 所属行业, 客户等级, 客户来源, 备注.
- CordysCRM (``1Panel-dev/CordysCRM``): 客户名称, 联系人名称, 联系人电话, 客户等级, 标签, 区域.
- 销售易 (Neocrm): 客户名称, 公司名称, 客户级别, 行业, 省份, 城市, 区县, 电话, 手机, 邮箱.
- Odoo (``odoo/odoo``, ``addons/crm/models/crm_lead.py``): export labels Opportunity, Customer,
  Company Name, Contact Name, Email, Phone, Mobile, Street, City, State, Country, Tags,
  Salesperson, Source; technical names name, partner_name, contact_name, email_from, phone,
  mobile, city, state_id, country_id, tag_ids, source_id. Odoo's ``name`` is the opportunity's
  title, not a person: see :data:`TITLE_NAME_MARKERS`.
- Salesforce Leads and Accounts reports and Data Loader: First Name, Last Name, Company, Account
  Name, Phone, Mobile Phone, Email, Lead Source, Industry, Rating, Street, City,
  State/Province, Billing City, Billing State/Province.
- HubSpot contact exports: First Name, Last Name, Company Name, Phone Number, Mobile Phone
  Number, Email, Industry, Lead Status, City, State/Region.

Headers that feed no customer field (网址, 备注, 详细地址, Street, Lead Status, …) are kept as
custom fields, as every header nobody recognises.
"""

from __future__ import annotations

CRM_HEADERS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "姓名",
        "名字",
        "联系人",
        "联系人姓名",
        "联系人名称",
        "客户姓名",
        "contact",
        "fullname",
        "contactname",
        "contact_name",
    ),
    "first_name": ("firstname", "first_name", "givenname", "名"),
    "last_name": ("lastname", "last_name", "surname", "familyname", "姓"),
    "company": (
        "company",
        "公司",
        "公司名称",
        "公司名",
        "企业",
        "企业名称",
        "单位",
        "单位名称",
        "客户名称",
        "线索名称",
        "companyname",
        "organization",
        "organisation",
        "accountname",
        "customer",
        "partner_name",
    ),
    "phone": (
        "phone",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "电话号码",
        "联系电话",
        "联系方式",
        "联系人电话",
        "联系人手机",
        "座机",
        "固话",
        "办公电话",
        "mobile",
        "tel",
        "telephone",
        "phonenumber",
        "cellphone",
        "mobilephone",
        "mobilephonenumber",
        "businessphone",
        "workphone",
    ),
    "email": ("email", "邮箱", "电子邮箱", "电子邮件", "邮件", "mail", "emailaddress", "email_from"),
    "wechat": ("wechat", "微信", "微信号", "weixin"),
    "credit_code": (
        "creditcode",
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "uscc",
        "unifiedsocialcreditcode",
    ),
    "grade": ("grade", "等级", "客户等级", "级别", "客户级别", "level", "rating", "accountrating"),
    "region": ("region", "地区", "区域", "所在地", "所在地区", "地域", "省市区", "area"),
    "province": (
        "province",
        "省",
        "省份",
        "所在省份",
        "state",
        "stateprovince",
        "stateregion",
        "state_id",
        "billingstateprovince",
        "billingstate",
    ),
    "city": ("city", "市", "城市", "所在城市", "billingcity"),
    "district": ("district", "区", "区县", "县区", "所在区县", "county"),
    "industry": ("industry", "行业", "所属行业", "行业类别", "客户行业"),
    "source": (
        "source",
        "来源",
        "渠道",
        "线索来源",
        "客户来源",
        "引流渠道",
        "channel",
        "leadsource",
        "source_id",
    ),
    "tags": ("tags", "tag", "标签", "客户标签", "tag_ids"),
}

TITLE_NAME_MARKERS = frozenset({"partnername", "contactname", "emailfrom"})
"""Headers (as compared) of an Odoo export by technical names: in such a file ``name`` is the
opportunity's title ("Interest in your products"), kept as a custom field, not a person's name."""
