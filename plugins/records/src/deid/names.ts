/**
 * Person names: patients, relatives and staff. A Chinese name is a surname (single or compound)
 * plus one or two characters, and many surnames are everyday words, so a name is only taken next
 * to a person cue:
 * - after a role or relation word: 主治医师王五, 护士赵敏, 其子张伟, 家属：王芳, 患者张三因…;
 * - before a title or a staff verb: 李医生, 王主任查房, 由李四主刀, 欧阳明医生;
 * - written masked: 张某某, 王XX, 李**.
 * Characters that rarely end up in given names but often follow a name-like start (因, 于, 查, 热,
 * 身 …) and clinical words that look like names (高热, 平素, 白芍, 葛根) keep ordinary text out.
 */
import { functionSurnames, isSurname, surnameSource } from "./surnames.js"

const HAN = "\\u4e00-\\u9fa5"

/** characters that (almost) never sit inside a given name here: function words, clinical morphemes */
const NOT_GIVEN =
  "的了是在由经请给被向与和及为等位名级床院科室医师护士查房术后前日年时次行示见诉嘱予因于至到入出诊疗检验测" +
  "疸痛热咳痰肿胀泻吐晕疼痒酸血尿便腹胸背肝胆胰脾肾肺胃肠病症炎癌瘤药针液片剂汤丸膏体温压率内外上下左右侧部处性型度" +
  "量值身多无未不也已曾再又均皆对将把从以并或但而且则即能会应该需要有没说称告知认考虑议指导协助遵按据开具排" +
  "做作属刀签字主副教宣动样色今组换肤征肢骨颈眼耳鼻舌牙齿头面脸肩臂膝腰臀乳淋瘙疹斑疮溃疡发乏消瘦恶呕寒汗衰弱虚憋喘悸闷咯睡眠饮食识诉述代陪同意拒绝表理解商确分共约每各该其此这那个某您你我他她它们之们及"

/** words that start with a surname and fill a name slot in ordinary clinical text */
const NON_NAME = [
  "平素", "平时", "宣教", "陶土", "墨菲", "家住", "家中", "家里", "周身", "全身", "时有", "明显", "明确", "常有", "常规", "安静", "安排", "安全", "家属", "家人", "家庭",
  "家族", "经治", "主治", "曾经", "曾建议", "曾考虑", "曾诊断", "曾出现", "曾发生", "曾服用", "曾使用", "曾就诊", "解释", "解痉", "充分", "充盈",
  "充血", "尚可", "能够", "方可", "方案", "任何", "宁静", "符合", "华法林", "白芍", "白术", "白蛋白", "白细胞", "白色",
  "白天", "葛根", "马兜铃", "金银花", "黄芪", "黄芩", "黄连", "黄染", "黄疸", "柴胡", "丁香", "甘草", "甘露醇", "甘油",
  "车前子", "桂枝", "麻黄", "杜仲", "牛黄", "熊胆", "石斛", "连翘", "贝母", "党参", "沙参", "郁金", "姜黄", "龙骨", "田七",
  "谷芽", "山药", "山楂", "何首乌", "苏子", "秦皮", "钟乳石", "易怒", "步态", "满意", "广泛", "空腹", "游离", "权衡",
  "丰富", "关节", "相对", "红肿", "红润", "益气", "计划", "成功", "成人", "舒适", "屈曲", "项目", "季节", "强化", "危险",
  "颜色", "梅毒", "凌晨", "支架", "管道", "管腔", "房颤", "干燥", "应用", "单纯", "包块", "包括", "左侧", "程度", "曲张",
  "封闭", "松弛", "富含", "全程", "仰卧", "秋季", "宫颈", "暴饮", "祖父", "祖母", "叶酸", "从未", "通畅", "通过", "尚未",
  "连续", "容积", "容易", "居住", "隆起", "巩膜", "沙门", "养成", "文化", "国内", "国外", "东部", "利尿", "冷汗", "辛辣",
  "简单", "那么", "毛发", "闻及", "劳累", "申请", "边缘", "温度", "习惯", "衡量", "终末", "慎用", "古代", "鱼肝油",
  "燕麦", "水肿", "云雾", "花斑", "高热", "高烧", "高龄", "高度", "高血压", "高脂", "高糖", "高于", "夏季", "冯氏", "刁氏",
  "米粥", "毕业", "齐全", "康复", "伍用", "余下", "元素", "卜算", "和缓", "穆斯林", "萧条", "薄弱", "怀孕", "怀疑", "蒙受",
  "池塘", "乔木", "阴性", "阴道", "双侧", "双下肢", "双肺", "双眼", "党员", "冉冉", "桑葚", "桂圆", "牛奶", "寿命", "边界",
  "燕窝", "冀望", "浦东", "尚好", "农药", "别处", "庄稼", "晏起", "柴油", "瞿麦", "阎王", "慕名", "连同", "茹素", "宦官",
  "艾灸", "艾滋", "鱼类", "向来", "古怪", "易感", "戈壁", "廖落", "庾信", "暨南", "居家", "衡阳", "步行", "都市", "耿直",
  "满腹", "弘扬", "匡正", "国家", "文献", "寇贼", "广州", "禄米", "欧美", "殳书", "沃土", "利用", "蔚蓝", "越来",
  "隆重", "师傅", "巩固", "聂耳", "晁盖", "勾画", "敖包", "融合", "冷敷", "冷饮", "辛苦", "那些", "简易", "饶恕", "空气",
  "曾祖", "沙眼", "养护", "鞠躬", "须知", "丰满", "巢状", "关注", "蒯草", "相关", "相应", "查见", "后续", "后期", "荆芥",
  "红色", "红细胞", "游走", "竺法", "权利", "逯逯", "盖被", "益生菌", "桓温", "公分", "公斤", "公里", "岳父", "岳母", "帅气",
  "况且", "有效", "琴键", "晋升", "楚楚", "闫氏", "法定", "汝等", "钦佩", "佘太", "墨绿", "哈欠", "年龄", "年轻", "爱护",
  "阳性", "佟氏", "言语", "福利", "付费", "代谢", "代偿", "敬请", "母亲", "母乳", "兰花", "铁剂", "达到", "肖像", "原发",
  "原因", "原有", "问诊", "尉氏", "淡黄", "黄色", "苟且", "战胜", "檀香", "栗子", "侍候", "区域", "区别", "朴素", "麦粒",
  "练习", "揭示", "粟粒", "旷日", "植物", "芦荟", "綦江", "隋唐"
]
const NON_NAME_SET = new Set(NON_NAME)

const isNonName = (candidate: string) => NON_NAME.some((w) => candidate.startsWith(w)) || NON_NAME_SET.has(candidate)

const GIVEN = `(?:(?![${NOT_GIVEN}])[${HAN}])`

/** words a name follows (longest first where one is a prefix of another) */
const STAFF_BEFORE = [
  "副主任医师", "主任医师", "主治医师", "主治医生", "主管医师", "主管医生", "经治医师", "经治医生", "上级医师", "上级医生",
  "住院医师", "住院医生", "主刀医师", "主刀医生", "麻醉医师", "麻醉医生", "值班医师", "值班医生", "会诊医师", "审核医师",
  "报告医师", "检查医师", "诊断医师", "记录医师", "医师签名", "医生签名", "护士签名", "责任护士", "护士长", "麻醉师",
  "主任", "医师", "医生", "大夫", "护士", "护师", "教授", "主刀", "术者", "助手", "一助", "二助", "记录者", "记录人",
  "报告人", "审核人", "操作者", "签名", "签字"
]
const RELATIVE_BEFORE = [
  "家属姓名", "联系人姓名", "患者姓名", "病人姓名", "姓名", "联系人", "监护人", "代理人", "委托人", "陪护人", "陪同人",
  "家属", "其子", "其女", "其夫", "其妻", "其父", "其母", "其兄", "其弟", "其姐", "其妹", "其孙", "其孙女", "之子", "之女",
  "儿子", "女儿", "丈夫", "妻子", "配偶", "父亲", "母亲", "爱人", "老伴"
]
const PATIENT_BEFORE = ["患者", "病人", "患儿", "伤者", "产妇", "孕妇"]

/** titles and staff verbs a name precedes */
const TITLES_AFTER = ["副主任医师", "主任医师", "主治医师", "副主任", "主任", "医师", "医生", "大夫", "副教授", "教授", "护士长", "护士", "护师", "院长", "科长", "老师", "先生", "女士", "同志"]
/** a relation in brackets after the name: 王强（患者之女） */
const RELATION_AFTER = ["（患者", "(患者", "（病人", "(病人", "（家属", "(家属", "（其", "(其", "（联系人", "(联系人"]
const VERBS_AFTER = ["查房", "主刀", "会诊", "签字", "签名", "代诉", "陪同"]

/** a bare surname before a title ("李医生") only after these, the start of text, or a non-Chinese character */
const BEFORE_BARE = new Set([..."由经请与和及为被向给找问让叫跟同是等称予嘱报即经据随请邀"])

const alt = (xs: ReadonlyArray<string>) =>
  [...xs]
    .sort((a, b) => b.length - a.length)
    .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|")

/** a patient's name must be followed by one of these: 患者张三因…, 患者张三，男 … */
const PATIENT_CUE = `(?=\\s*(?:[，,因（(：:、；;\\s]|男|女|\\d|于|今|自|诉|系|是|来|入|在|现|年|主诉|既往))`

export interface NameRule {
  readonly re: RegExp
  /** where the name lies inside the match (offsets into m[0]), or undefined for no name */
  readonly name: (m: RegExpMatchArray) => { readonly start: number; readonly end: number } | undefined
}

/** what may follow a name whose surname is also a function word (主治医师向勇查房, not 医生向家属交代) */
const NAME_END = /^(?:[，。；、：:,;.（(\s]|查房|主刀|为|指示|签字|签名|陪同|代诉|宣教|知情|同意|换药|会诊|医生|医师|护士|主任|$)/

const candidateOk = (surname: string, given: string, colon: boolean, after: string) =>
  given.length >= 1 && !isNonName(surname + given) && (colon || !functionSurnames.has(surname) || NAME_END.test(after))

const afterWord = (words: ReadonlyArray<string>, cue = ""): NameRule => ({
  re: new RegExp(`(${alt(words)})(\\s*[：:]\\s*|\\s*)(${surnameSource})(${GIVEN}{1,2})${cue}`, "g"),
  name: (m) =>
    candidateOk(m[3]!, m[4]!, /[：:]/.test(m[2]!), m.input!.slice(m.index! + m[0].length))
      ? { start: m[1]!.length + m[2]!.length, end: m[0].length }
      : undefined
})

const HAN_CHAR = new RegExp(`[${HAN}]`)

const beforeWord = (words: ReadonlyArray<string>, allowBare: boolean): NameRule => ({
  re: new RegExp(`(${surnameSource})(${GIVEN}{0,2})(?=${alt(words)})`, "g"),
  name: (m) => {
    const surname = m[1]!
    const given = m[2]!
    const left = m.input![m.index! - 1]
    if (functionSurnames.has(surname)) {
      if (given.length === 0 || isNonName(surname + given)) return undefined
      // 经李医生, 和王五主刀: the first character is a word of the sentence and the name is the rest;
      // 由向勇医生主刀: 向 is the surname
      if (isSurname(given[0]!)) return isNonName(given) ? undefined : { start: surname.length, end: m[0].length }
      return { start: 0, end: m[0].length }
    }
    if (given.length === 0) {
      if (!allowBare) return undefined
      if (left !== undefined && HAN_CHAR.test(left) && !BEFORE_BARE.has(left)) return undefined
      return { start: 0, end: m[0].length }
    }
    return isNonName(surname + given) ? undefined : { start: 0, end: m[0].length }
  }
})

/** the masking rules, in order */
export const nameRules: ReadonlyArray<NameRule> = [
  afterWord(STAFF_BEFORE),
  afterWord(RELATIVE_BEFORE),
  afterWord(PATIENT_BEFORE, PATIENT_CUE),
  beforeWord(TITLES_AFTER, true),
  beforeWord(VERBS_AFTER, false),
  beforeWord(RELATION_AFTER, false),
  {
    // 张某某, 张某, 王XX, 李**: masked already by whoever wrote the record, but still a surname; not
    // 术后XELOX, 查X线, T管**, 于***医院, 希罗达*8
    re: new RegExp(
      `(?<![A-Za-z\\d])(${surnameSource})(?:某某|某(?![某医院地处些种])|[XxＸ]{1,2}(?![A-Za-z])|[*＊×]{1,3}(?![\\d*＊×]))(?![${HAN}]*(?:医院|卫生院|诊所))`,
      "g"
    ),
    name: (m) => (functionSurnames.has(m[1]!) ? undefined : { start: 0, end: m[0].length })
  }
]

/**
 * The residual scan's looser net: a surname and given name right after any person word (no cue
 * needed after 患者) or right before a title or staff verb.
 */
export const residualNameRules: ReadonlyArray<NameRule> = [
  afterWord([...STAFF_BEFORE, ...RELATIVE_BEFORE, ...PATIENT_BEFORE]),
  {
    re: new RegExp(`(${surnameSource})(${GIVEN}{1,2})(?=${alt([...TITLES_AFTER, ...VERBS_AFTER, ...RELATION_AFTER])})`, "g"),
    name: (m) => (candidateOk(m[1]!, m[2]!, false, m.input!.slice(m.index! + m[0].length)) ? { start: 0, end: m[0].length } : undefined)
  }
]

/** replace every name the rules find with `mask`; `onHit` is called once per name */
export const applyNameRules = (text: string, rules: ReadonlyArray<NameRule>, mask: string, onHit: () => void): string => {
  let out = text
  for (const rule of rules) {
    let result = ""
    let pos = 0
    for (const m of out.matchAll(rule.re)) {
      const span = rule.name(m)
      if (span === undefined) continue
      onHit()
      result += out.slice(pos, m.index!) + m[0].slice(0, span.start) + mask + m[0].slice(span.end)
      pos = m.index! + m[0].length
    }
    out = result + out.slice(pos)
  }
  return out
}

/** the spans of the names the rules find, without changing the text */
export const findNames = (text: string, rules: ReadonlyArray<NameRule>): Array<{ index: number; length: number }> =>
  rules.flatMap((rule) =>
    [...text.matchAll(rule.re)].flatMap((m) => {
      const span = rule.name(m)
      return span === undefined ? [] : [{ index: m.index! + span.start, length: span.end - span.start }]
    })
  )
