"""Chinese names, firms and places for the demo, and a picker of distinct people."""

from __future__ import annotations

import random

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
)  # fmt: skip
GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("洋", "yang"), ("婷", "ting"), ("强", "qiang"), ("军", "jun"), ("杰", "jie"), ("涛", "tao"),
    ("丽", "li"), ("超", "chao"), ("明", "ming"), ("霞", "xia"), ("建华", "jianhua"), ("志强", "zhiqiang"),
    ("晓东", "xiaodong"), ("海燕", "haiyan"), ("子涵", "zihan"), ("浩然", "haoran"), ("雨萱", "yuxuan"),
    ("俊杰", "junjie"), ("秀英", "xiuying"), ("文博", "wenbo"), ("嘉怡", "jiayi"), ("思远", "siyuan"),
)  # fmt: skip
CITIES = (
    ("上海", "上海", "华东"), ("杭州", "浙江", "华东"), ("宁波", "浙江", "华东"), ("苏州", "江苏", "华东"),
    ("南京", "江苏", "华东"), ("合肥", "安徽", "华东"), ("济南", "山东", "华北"), ("青岛", "山东", "华北"),
    ("北京", "北京", "华北"), ("天津", "天津", "华北"), ("石家庄", "河北", "华北"), ("郑州", "河南", "华北"),
    ("广州", "广东", "华南"), ("深圳", "广东", "华南"), ("东莞", "广东", "华南"), ("厦门", "福建", "华南"),
    ("长沙", "湖南", "华南"), ("成都", "四川", "西部"), ("重庆", "重庆", "西部"), ("西安", "陕西", "西部"),
    ("昆明", "云南", "西部"), ("武汉", "湖北", "西部"),
)  # fmt: skip
BRANDS = (
    ("云帆", "yunfan"), ("华瑞", "huarui"), ("恒信", "hengxin"), ("博远", "boyuan"), ("金诚", "jincheng"),
    ("创新", "chuangxin"), ("天成", "tiancheng"), ("鼎盛", "dingsheng"), ("新锐", "xinrui"),
    ("汇通", "huitong"), ("远景", "yuanjing"), ("盛达", "shengda"), ("瑞丰", "ruifeng"), ("海纳", "haina"),
    ("星辰", "xingchen"), ("拓普", "tuopu"), ("启明", "qiming"), ("宏图", "hongtu"), ("安泰", "antai"),
    ("精工", "jinggong"), ("卓越", "zhuoyue"), ("中科", "zhongke"), ("凯达", "kaida"), ("德润", "derun"),
    ("和信", "hexin"), ("联创", "lianchuang"), ("同舟", "tongzhou"), ("万象", "wanxiang"),
    ("明辉", "minghui"),
    ("嘉禾", "jiahe"), ("长风", "changfeng"), ("光合", "guanghe"), ("易达", "yida"), ("智联", "zhilian"),
    ("百川", "baichuan"), ("睿思", "ruisi"), ("蓝海", "lanhai"), ("永昌", "yongchang"), ("华章", "huazhang"),
    ("青禾", "qinghe"),
)  # fmt: skip
INDUSTRIES = (
    ("科技", "软件与信息服务"), ("信息技术", "软件与信息服务"), ("电子", "电子制造"), ("机械", "装备制造"),
    ("贸易", "批发零售"), ("食品", "食品饮料"), ("医疗器械", "医疗健康"), ("新材料", "化工材料"),
    ("物流", "交通物流"), ("建材", "建筑建材"), ("服饰", "纺织服装"), ("环保科技", "节能环保"),
    ("文化传媒", "文化传媒"), ("教育科技", "教育培训"), ("化工", "化工材料"),
)  # fmt: skip
TITLES = ("总经理", "采购经理", "IT主管", "行政主管", "运营总监", "财务经理", "技术负责人", "副总经理")
TAGS = ("重点客户", "价格敏感", "决策链长", "有预算", "竞品在用", "老板直联", "需要演示", "年底采购")
# Mainland mobile prefixes that libphonenumber calls valid (154 and 174 are not allotted to mobiles).
_MOBILE_BLOCKS = (
    range(130, 140),
    range(150, 154),
    range(155, 160),
    (166, 173),
    range(175, 179),
    range(180, 190),
)
MOBILE_PREFIXES = tuple(str(n) for block in (*_MOBILE_BLOCKS, (191, 198, 199)) for n in block)


class NamePicker:
    """Distinct Chinese names with a pinyin username each."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.usernames: set[str] = set()
        self.names: set[str] = set()

    def person(self) -> tuple[str, str]:
        surname, surname_pinyin = self.rng.choice(SURNAMES)
        given, given_pinyin = self.rng.choice(GIVEN_NAMES)
        return surname + given, surname_pinyin + given_pinyin

    def user(self) -> tuple[str, str]:
        name, username = self.person()
        for _ in range(20):  # colleagues with one name are real but confusing in a demo
            if name not in self.names:
                break
            name, username = self.person()
        self.names.add(name)
        unique, n = username, 1
        while unique in self.usernames:
            n += 1
            unique = f"{username}{n}"
        self.usernames.add(unique)
        return name, unique
