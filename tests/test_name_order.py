"""Name lists in the order official documents print them: 按姓氏笔画为序 by the mainland stroke norms
(GB 13000.1 字序, GF 3002/3003: 阝 2 strokes, ties by 横竖撇点折), 按姓氏拼音为序 with each surname
read as a surname (曾 zēng, 单 shàn …)."""
import json
import os
import subprocess
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "office")


def listed(yinfa, template, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d.json")
        json.dump(data, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        p = subprocess.run([yinfa, "text", template, path], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip().split("：", 1)[-1].removeprefix("p: ").split("、")


STROKE = os.path.join(HERE, "stroke-order-names", "template.xml")


def strokes(yinfa, names):
    return listed(yinfa, STROKE, {"委员": [{"姓名": n} for n in names]})


def test_the_field_case(yinfa):
    p = subprocess.run([yinfa, "text", STROKE, os.path.join(HERE, "stroke-order-names", "data.json")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().endswith("王晓东、方敏、孔令华、李红、吴海、陈立新"), p.stdout


def test_stroke_counts_are_the_mainland_ones(yinfa):
    # 邓 4 (阝 2), 孙 6; 7: 连 横 (辶 3), 邱 撇, 陈 折 (阝 2); 8: 范 横 (艹 3), 郑 点; 董 12
    got = strokes(yinfa, ["董建", "范文", "连战", "陈一", "孙二", "邓小", "郑三", "邱四"])
    assert got == ["邓小", "孙二", "连战", "邱四", "陈一", "范文", "郑三", "董建"], got


def test_ties_by_first_differing_stroke(yinfa):
    # all 4 strokes: 王 横, 毛 撇, 方 点, 孔 折
    assert strokes(yinfa, ["孔一", "方一", "毛一", "王一"]) == ["王一", "毛一", "方一", "孔一"]
    # 7 strokes: 李 横, 吴 竖, 何 撇, 沈 点, 陈 折
    assert strokes(yinfa, ["陈", "沈", "何", "吴", "李"]) == ["李", "吴", "何", "沈", "陈"]


def test_same_surname_then_the_given_name_and_compound_surnames(yinfa):
    # 王一 before 王二 (1 < 2 strokes); 欧阳 sorts by 欧 (8), then 阳 (6): after 欧文 (文 4)
    assert strokes(yinfa, ["欧阳修", "王二", "欧文", "王一"]) == ["王一", "王二", "欧文", "欧阳修"]


def test_equal_names_keep_the_data_order(yinfa):
    got = listed(yinfa, STROKE, {"委员": [{"姓名": "张三"}, {"姓名": "张三"}, {"姓名": "王五"}]})
    assert got == ["王五", "张三", "张三"]


def test_pinyin_reads_surnames_as_surnames(yinfa):
    names = ["张明", "查良", "曾华", "解放", "单雄", "仇亮", "朴正", "区平", "盖文", "陈东"]
    got = listed(yinfa, os.path.join(HERE, "pinyin.xml"), {"名单": names})
    # chén gě ōu piáo qiú shàn xiè zēng zhā zhāng
    assert got == ["陈东", "盖文", "区平", "朴正", "仇亮", "单雄", "解放", "曾华", "查良", "张明"], got


def test_compound_surnames_in_pinyin(yinfa):
    got = listed(yinfa, os.path.join(HERE, "pinyin.xml"), {"名单": ["尉迟恭", "万俟卨", "王五", "余六", "马七"]})
    # mǎ mòqí wáng yú yùchí
    assert got == ["马七", "万俟卨", "王五", "余六", "尉迟恭"], got


def test_sixty_common_surnames_in_the_standard_order(yinfa):
    """69 common surnames 按姓氏笔画为序, as GB 13000.1 字序 orders them: the four-stroke group
    王 毛 方 尹 孔 邓 by first stroke (横 撇 点 折, then 尹 折横 before 孔 折竖 before 邓 折点); 阝
    counted 2 (邓 4, 阮 6, 邱 邹 陆 陈 7, 郑 8, 陶 10). Checked stroke by stroke by hand."""
    names = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
                 "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石邹邱阮陶方尹孔毛")
    expected = ("丁、于、马、王、毛、方、尹、孔、邓、石、卢、叶、田、冯、吕、朱、任、刘、许、阮、孙、苏、杜、"
                "李、杨、肖、吴、邱、何、余、邹、汪、沈、宋、张、陆、陈、范、林、罗、金、周、郑、赵、胡、钟、"
                "姜、姚、袁、徐、高、郭、唐、陶、黄、曹、崔、梁、彭、董、蒋、韩、程、曾、谢、蔡、谭、潘、魏")
    assert "、".join(strokes(yinfa, names)) == expected
