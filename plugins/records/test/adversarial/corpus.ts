/**
 * The adversarial de-identification corpus: synthetic hepatobiliary records (made up here, from a
 * seeded generator, no real person or record behind any of them) with identifiers planted in the
 * forms Chinese records write them, and a clean set of already de-identified clinical sentences
 * (with drug and clinical words that look like names: 葛根, 白芍, 马兜铃, 高热 …).
 *
 * Each planted identifier is remembered with its kind, so a test can say, per kind, how many the
 * masker caught and whether any reached an output.
 */
export const PlantKinds = [
  "name_patient", "name_relative", "name_staff", "id_card", "record_number", "phone_mobile", "phone_landline", "phone_local",
  "fax", "email", "url", "ip", "address", "date", "age_over_89", "hospital", "institution"
] as const
export type PlantKind = (typeof PlantKinds)[number]

export interface Plant {
  readonly kind: PlantKind
  /** the exact identifying string that must not appear in any output */
  readonly secret: string
}

export interface CorpusRecord {
  readonly record: { readonly id: string; readonly department: string; readonly sections?: Record<string, string>; readonly text?: string }
  readonly plants: ReadonlyArray<Plant>
}

/** mulberry32: small, seeded, the same sequence everywhere */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const COMMON_SURNAMES = [..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"]
const RARE_SURNAMES = [..."葛亓仉訾缑蔺阙璩厍逯佘笪谯岑濮滕柏邬"]
const COMPOUND_SURNAMES = ["欧阳", "司马", "诸葛", "上官", "皇甫", "令狐", "慕容", "东方", "夏侯", "尉迟", "公孙", "端木", "宇文", "长孙"]
const GIVEN_ONE = [..."伟敏静磊军娜芳勇杰涛超霞强艳平刚桂英华玉兰斌琳颖婷鹏飞宇浩然瑶"]
const GIVEN_TWO = ["晓禾", "嘉树", "建国", "秀英", "桂兰", "志强", "丽娟", "海燕", "红霞", "文博", "子涵", "雨萱", "思远", "俊杰", "明轩", "婉清", "春生", "德胜", "玉珍", "少华"]

const PROVINCES = ["浙江省", "江苏省", "广东省", "四川省", "湖北省", "山东省", "河南省", "福建省", "虚构省"]
const CITIES = ["杭州市", "南京市", "广州市", "成都市", "武汉市", "济南市", "郑州市", "厦门市", "青禾市", "云杉市"]
const DISTRICTS = ["西湖区", "鼓楼区", "天河区", "武侯区", "江汉区", "历下区", "金水区", "思明区", "白鹭区", "临川县"]
const ROADS = ["文一西路", "梧桐路", "银杏街", "解放路", "中山北路", "建设大道", "人民路", "枫林巷", "学院路", "滨江大道"]
const COMPOUNDS = ["阳光小区", "翠苑新村", "金色家园", "锦绣花园", "桃源小区"]

const COMPLAINTS = ["右上腹痛3天", "皮肤巩膜黄染1周", "上腹部隐痛伴发热2天", "体检发现肝占位1周", "反复右上腹绞痛半年", "腹胀、纳差1月"]
const EXAMS = ["右上腹压痛，墨菲征阳性", "皮肤巩膜黄染，上腹部轻压痛", "腹软，肝区叩痛阳性", "全腹软，无压痛及反跳痛，肝脾肋下未触及"]
const AUX = [
  "腹部超声示胆囊结石，胆囊大小约8.5×4.2cm，壁厚0.5cm",
  "上腹部CT示肝右叶占位，大小约3.2cm×2.5cm，AFP 1210ng/ml",
  "血常规：WBC 12.5×10^9/L，中性粒细胞百分比 85%；血肌酐 120μmol/L，血糖 7.8mmol/L",
  "MRCP示胆总管下段结石，胆总管直径1.2cm；总胆红素86.4μmol/L，ALT 125U/L",
  "血压 150/90mmHg，心率 96次/分，体温38.6℃，血淀粉酶 560U/L"
]
const DIAGNOSES = ["胆囊结石伴急性胆囊炎", "原发性肝癌", "胆总管结石", "急性胰腺炎", "肝内胆管结石", "胆囊息肉"]
const SURGERIES = ["腹腔镜胆囊切除术", "肝右叶部分切除术", "ERCP取石术", "胆总管切开取石T管引流术"]
const DRUGS = ["头孢哌酮舒巴坦 2g ivgtt bid", "熊去氧胆酸 250mg po tid", "葛根汤加减，白芍15g", "奥美拉唑 40mg ivgtt qd"]
const ADVICE = ["低脂饮食，避免暴饮暴食，定期复查腹部超声", "1个月后门诊复查肝功能", "注意休息，如有腹痛发热及时就诊"]

export const makeCorpus = (seed = 20231, n = 120): Array<CorpusRecord> => {
  const r = rng(seed)
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(r() * xs.length)]!
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
  const pad = (x: number, w = 2) => String(x).padStart(w, "0")
  const digits = (k: number) => Array.from({ length: k }, () => String(int(0, 9))).join("")

  const surname = () => {
    const u = r()
    return u < 0.6 ? pick(COMMON_SURNAMES) : u < 0.8 ? pick(RARE_SURNAMES) : pick(COMPOUND_SURNAMES)
  }
  const used = new Set<string>()
  const name = (): string => {
    for (;;) {
      const s = surname() + (r() < 0.5 ? pick(GIVEN_ONE) : pick(GIVEN_TWO))
      if (!used.has(s)) {
        used.add(s)
        return s
      }
    }
  }
  const idCard = () => {
    const body = `${pick(["110101", "330106", "440104", "510107", "320102"])}${int(1925, 2005)}${pad(int(1, 12))}${pad(int(1, 28))}${digits(3)}`
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i]!, 0)
    return body + "10X98765432"[sum % 11]!
  }
  const mobile = () => `1${pick(["3", "5", "7", "8", "9"])}${int(0, 9)}${digits(8)}`
  const landline = () => ({ area: pick(["010", "021", "0571", "020", "028", "0591"]), local: `${int(2, 8)}${digits(7)}` })

  const out: Array<CorpusRecord> = []
  for (let i = 1; i <= n; i++) {
    const plants: Array<Plant> = []
    const plant = (kind: PlantKind, secret: string, text = secret) => {
      plants.push({ kind, secret })
      return text
    }
    const patient = name()
    const age = int(25, 80)
    const year = int(2015, 2024)
    const month = int(1, 11)
    const day = int(1, 20)
    const sex = pick(["男", "女"])

    const patientForm = pick([
      () => `患者${plant("name_patient", patient)}，${sex}，${age}岁`,
      () => `患者${plant("name_patient", patient)}因${pick(COMPLAINTS)}入院`,
      () => `患者：${plant("name_patient", patient)}，${sex}`,
      () => `患者${plant("name_patient", patient)}（${sex}，${age}岁）`,
      () => `姓名：${plant("name_patient", patient)}，性别${sex}`
    ])()
    const relative = name()
    const relativeForm = pick([
      () => `其子${plant("name_relative", relative)}陪同就诊`,
      () => `其女${plant("name_relative", relative)}签字同意手术`,
      () => `家属${plant("name_relative", relative)}知情同意`,
      () => `联系人：${plant("name_relative", relative)}`,
      () => `其妻${plant("name_relative", relative)}代诉病史`,
      () => `家属：${plant("name_relative", relative)}，电话见首页`
    ])()
    const sn = surname()
    const staffForms = (who: string) => [
      () => `主治医师${plant("name_staff", who)}查房`,
      () => `护士${plant("name_staff", who)}为患者换药`,
      () => `由${plant("name_staff", who)}医生主刀`,
      () => `上级医师${plant("name_staff", who)}查房后指示`,
      () => `经治医师：${plant("name_staff", who)}`,
      () => `护士长${plant("name_staff", who)}宣教`,
      () => `${plant("name_staff", who)}主刀，手术顺利`,
      () => `${plant("name_staff", `${sn}主任`)}查房`,
      () => `由${plant("name_staff", `${sn}医生`)}主刀`
    ]
    const staffForm = pick(staffForms(name()))()
    const staffForm2 = pick(staffForms(name()).slice(0, 7))()

    const id = idCard()
    const idForm = pick([
      () => `身份证号${plant("id_card", id)}`,
      () => `身份证号码：${plant("id_card", id)}`,
      () => `身份证：${plant("id_card", `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`)}`,
      () => `身份证号${plant("id_card", `${id.slice(0, 6)}${id.slice(8, 17)}`)}`,
      () => `证件号 ${plant("id_card", id.toLowerCase())}`
    ])()
    const recNo = pick([
      () => `住院号：${plant("record_number", `ZY${year}${digits(4)}`)}`,
      () => `门诊号${plant("record_number", `MZ-${digits(7)}`)}`,
      () => `病案号：${plant("record_number", `A${digits(6)}`)}`,
      () => `现住${plant("record_number", `${int(1, 60)}床`)}`,
      () => `医保卡号：${plant("record_number", `YB${digits(9)}`)}`,
      () => `影像号${plant("record_number", `CT${year}-${digits(5)}`)}`,
      () => `检查号：${plant("record_number", `JC${digits(8)}`)}`,
      () => `标本号 ${plant("record_number", `S${year % 100}-${digits(5)}`)}`,
      () => `病理号：${plant("record_number", `${year}.${digits(4)}`)}`,
      () => `登记号${plant("record_number", digits(10))}`,
      () => `术后病理（${plant("record_number", `${year}${digits(5)}`)}）示`
    ])()
    const m = mobile()
    const mobileForm = pick([
      () => `联系电话${plant("phone_mobile", m)}`,
      () => `手机：${plant("phone_mobile", `${m.slice(0, 3)} ${m.slice(3, 7)} ${m.slice(7)}`)}`,
      () => `电话${plant("phone_mobile", `${m.slice(0, 3)}-${m.slice(3, 7)}-${m.slice(7)}`)}`,
      () => `联系方式 ${plant("phone_mobile", `+86 ${m}`)}`,
      () => `其女手机${plant("phone_mobile", m)}`
    ])()
    const l = landline()
    const landForm = pick([
      () => `座机${plant("phone_landline", `${l.area}-${l.local}`)}`,
      () => `电话：${plant("phone_landline", `${l.area} ${l.local}`)}`,
      () => `家庭电话${plant("phone_landline", `(${l.area})${l.local}`)}`,
      () => `单位电话（${l.area}）${plant("phone_landline", `${l.local.slice(0, 4)}-${l.local.slice(4)}`)}`,
      () => `固话 ${plant("phone_landline", `${l.area}-${l.local}转${int(100, 999)}`)}`
    ])()
    const local = `${int(2, 8)}${digits(int(6, 7))}`
    const localForm = pick([() => `电话：${plant("phone_local", local)}`, () => `联系${plant("phone_local", local)}`, () => `联系电话 ${plant("phone_local", local)}`])()
    const fl = landline()
    const faxForm = pick([() => `传真：${plant("fax", `${fl.area}-${fl.local}`)}`, () => `Fax: ${plant("fax", `${fl.area}${fl.local}`)}`])()
    const user = pick(["zhang", "li.ming", "wang_88", "patient", "hb.care", "ouyang"]) + digits(3)
    const emailForm = pick([
      () => `邮箱${plant("email", `${user}@163.com`)}`,
      () => `E-mail：${plant("email", `${user}@hospital.org.cn`)}`,
      () => `电子邮件 ${plant("email", `${user}@qq.com`)}`
    ])()
    const urlForm = pick([
      () => `随访平台${plant("url", `https://followup.example-hospital.cn/p/${digits(6)}`)}`,
      () => `影像链接 ${plant("url", `http://pacs.example.org/view?id=${digits(7)}`)}`,
      () => `见${plant("url", `www.example-clinic.com/r/${digits(5)}`)}`
    ])()
    const ipForm = pick([
      () => `上传终端IP ${plant("ip", `192.168.${int(0, 255)}.${int(1, 254)}`)}`,
      () => `工作站${plant("ip", `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`)}`,
      () => `服务器地址 ${plant("ip", `fe80::${int(1000, 9999)}:${int(10, 99)}ab`)}`
    ])()
    const prov = pick(PROVINCES)
    const city = pick(CITIES)
    const dist = pick(DISTRICTS)
    const road = pick(ROADS)
    const no = int(1, 300)
    const addressForm = pick([
      () => `家住${plant("address", `${prov}${city}${road}${no}号`)}`,
      () => `现住：${plant("address", `${city}${dist}${road}${no}号`)}`,
      () => `户籍地：${plant("address", `${prov}${city}`)}`,
      () => `住址${plant("address", `${pick(COMPOUNDS)}${int(1, 20)}栋${int(1, 4)}单元${int(101, 1802)}室`)}`,
      () => `居住于${plant("address", `${city}${dist}${road}${no}弄${int(1, 30)}号`)}`,
      () => `系${plant("address", `${prov}${city}${dist}`)}人`,
      () => `来自${plant("address", `${city}${dist}${road}${no}号`)}`,
      () => `${plant("address", `${road}${no}弄${int(1, 40)}号${int(101, 602)}室`)}居民`
    ])()
    const dateForms = [
      () => plant("date", `${year}-${pad(month)}-${pad(day)}`),
      () => plant("date", `${year}年${month}月${day}日`),
      () => plant("date", `${year}/${month}/${day}`),
      () => plant("date", `${month}/${day}/${year}`),
      () => plant("date", `${Math.min(day + 12, 28)}/${month}/${year}`),
      () => plant("date", `${year}.${pad(month)}.${pad(day)}`),
      () => plant("date", `${year}${pad(month)}${pad(day)}`),
      () => plant("date", `${pad(year % 100)}年${month}月${day}日`),
      () => plant("date", `${[...String(year)].map((c) => "〇一二三四五六七八九"[Number(c)]).join("")}年${["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"][month - 1]}月${["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十"][day - 1]}日`),
      () => plant("date", `${year}-${pad(month)}-${pad(day)} ${pad(int(0, 23))}:${pad(int(0, 59))}`),
      () => plant("date", `${year}年${month}月${day}日${int(8, 17)}时${int(10, 59)}分`)
    ]
    const d1 = pick(dateForms)()
    const d2 = pick(dateForms)()
    const d3 = pick(dateForms)()
    // 90 itself is left out: its mask "90岁以上" starts with "90岁"
    const old = int(91, 104)
    const ageForm = pick([
      () => `其母${plant("age_over_89", `${old}岁`)}，体健`,
      () => `既往史由其父代述，其父${plant("age_over_89", `${old}周岁`)}`,
      () => `祖母${plant("age_over_89", old < 100 ? `${["九十", "九十一", "九十二", "九十三", "九十五"][old % 5]}岁` : "一百零一岁")}`,
      () => `家族史：祖父${plant("age_over_89", `年龄：${old}`)}，健在`
    ])()
    const hospital = pick([
      () => plant("hospital", `${city}第${pick(["一", "二", "三"])}人民医院`),
      () => plant("hospital", `${prov.replace("省", "")}大学医学院附属第${pick(["一", "二"])}医院`),
      () => plant("hospital", `${pick(["青山", "白沙", "桃源", "清河"])}镇中心卫生院`),
      () => plant("hospital", `${pick(["仁和", "康宁", "济世"])}诊所`)
    ])()
    const institution = pick([
      () => `患者系${plant("institution", `${pick(["青禾", "云杉", "临川"])}第${pick(["一", "三", "五"])}中学`)}教师`,
      () => `就职于${plant("institution", `${pick(["华信", "远景", "恒达"])}科技有限公司`)}`,
      () => `退休前在${plant("institution", `${pick(["东南", "西北", "滨海"])}师范大学`)}工作`
    ])()

    const complaint = pick(COMPLAINTS)
    const diagnosis = pick(DIAGNOSES)
    const sections: Record<string, string> = {
      主诉: complaint,
      现病史: `${patientForm}，${idForm}，${addressForm}，${recNo}。患者于${d1}出现${complaint.replace(/\d.*$/, "")}，曾在${hospital}就诊，${d2}来我院。${mobileForm}，${landForm}，${relativeForm}。`,
      既往史: `${ageForm}。${institution}。${localForm}，${faxForm}。`,
      体格检查: `${pick(EXAMS)}。${staffForm}。`,
      辅助检查: `${pick(AUX)}。${ipForm}，${urlForm}。`,
      诊断: `1.${diagnosis}`,
      手术记录: `于${d3}在全麻下行${pick(SURGERIES)}，${staffForm2}，术中出血约200ml。`,
      用药: pick(DRUGS),
      出院医嘱: `${pick(ADVICE)}。${emailForm}。`,
      转归: "患者恢复良好，顺利出院。"
    }
    const record =
      i % 4 === 0
        ? { id: `adv-${pad(i, 3)}`, department: "肝胆外科", text: Object.entries(sections).map(([h, t]) => `${h}：${t}`).join("\n") }
        : { id: `adv-${pad(i, 3)}`, department: "肝胆外科", sections }
    out.push({ record, plants })
  }
  return out
}

/**
 * Clean, already de-identified clinical sentences: nothing here is an identifier, so anything the
 * de-identification changes (or the residual scan flags) is a false positive. Many hold words that
 * share a character with a surname (高热, 白芍, 葛根, 马兜铃, 何首乌, 平素, 于外院) or a suffix with an
 * address or institution (肝区, 病区, 我院, 当地医院).
 */
export const cleanSentences: ReadonlyArray<string> = [
  "患者高热，黄疸，于外院行胆囊切除术，转至我院。",
  "患者平素体健，否认高血压、糖尿病病史。",
  "患者于今年再发腹痛，男性多见。",
  "予葛根汤加减，白芍、甘草缓急止痛。",
  "患者长期服用含马兜铃酸的中药，需警惕肾损害。",
  "何首乌可致药物性肝损伤，应避免长期服用。",
  "今日主任查房，指示继续抗感染治疗。",
  "上级医师查房后同意目前治疗方案。",
  "责任护士宣教低脂饮食。",
  "主任医师会诊后考虑胆总管结石。",
  "患者家属知情同意并签字。",
  "肝区叩痛阳性，墨菲征阳性。",
  "患者转入普通病区继续治疗。",
  "建议至当地医院复查肝功能。",
  "患者曾多次因腹痛就诊。",
  "患者周身皮肤黄染，巩膜黄染。",
  "患者全身乏力，食欲减退。",
  "患者时有右上腹隐痛，进食油腻后加重。",
  "黄芪、党参益气健脾，柴胡疏肝解郁。",
  "金银花、连翘清热解毒。",
  "患者明显消瘦，近期体重下降。",
  "腹部超声示胆囊结石，胆囊壁增厚。",
  "上腹部CT示肝右叶占位，考虑原发性肝癌。",
  "行腹腔镜胆囊切除术，术中见胆囊与周围组织粘连。",
  "术后给予抗感染、保肝、抑酸、补液等对症支持治疗。",
  "患者术后恢复良好，切口愈合佳。",
  "ERCP示胆总管下段结石，行取石术。",
  "CA19-9升高，CEA正常，AFP正常。",
  "血常规示白细胞升高，中性粒细胞比例升高。",
  "肝功能示总胆红素升高，以直接胆红素为主。",
  "MRCP示肝内外胆管扩张。",
  "免疫组化：CK7（+），CK20（-），Ki-67（+）。",
  "病理示：中分化腺癌，侵及浆膜层。",
  "TNM分期为T2N0M0。",
  "Child-Pugh分级A级。",
  "给予头孢哌酮舒巴坦抗感染治疗。",
  "口服熊去氧胆酸利胆治疗。",
  "予奥美拉唑抑酸护胃。",
  "予生长抑素抑制胰酶分泌。",
  "患者既往有胆囊结石病史多年。",
  "患者无烟酒嗜好，无药物过敏史。",
  "家族中无类似疾病患者。",
  "患者神志清楚，精神可，饮食睡眠可。",
  "全腹软，无压痛及反跳痛。",
  "双下肢无水肿。",
  "心肺听诊未闻及明显异常。",
  "患者双肺呼吸音清，未闻及干湿啰音。",
  "建议定期复查腹部超声及肿瘤标志物。",
  "嘱患者低脂饮食，避免暴饮暴食。",
  "患者及家属要求出院，予办理出院手续。",
  "经治医师向家属交代病情及手术风险。",
  "由主刀医生向家属交代术中所见。",
  "护士协助患者翻身拍背。",
  "医生建议患者戒酒。",
  "患者同意手术治疗。",
  "术前完善相关检查，排除手术禁忌。",
  "术后病理回报：慢性胆囊炎伴胆囊结石。",
  "患者出现寒战、高热，考虑急性胆管炎。",
  "患者皮肤瘙痒，尿色加深。",
  "大便呈陶土样。",
  "肝脏大小形态正常，包膜光整。",
  "胆囊体积增大，壁毛糙。",
  "胰腺形态饱满，周围渗出。",
  "脾脏不大。",
  "门静脉主干未见癌栓。",
  "考虑肝硬化、门静脉高压症。",
  "患者诉腹胀明显，伴恶心呕吐。",
  "患者解黑便两次。",
  "予禁食、胃肠减压、补液治疗。",
  "术中出血少量，未输血。",
  "术后安返病房。",
  "患者体温正常，生命体征平稳。",
  "患者右上腹疼痛较前缓解。",
  "复查血淀粉酶较前下降。",
  "拟行肝癌切除术。",
  "请普外科会诊协助诊治。",
  "患者住院期间病情平稳。",
  "患者现住院治疗中。",
  "患者家住农村，务农为生。",
  "患者于外院行CT检查提示胆囊结石。",
  "转至上级医院进一步治疗。",
  "曾在社区卫生服务中心就诊。",
  "患者经抗感染治疗后好转。",
  "华法林抗凝治疗期间需监测凝血功能。",
  "白蛋白降低，予补充人血白蛋白。",
  "甘露醇脱水降颅压。",
  "石斛养阴生津。",
  "郁金、姜黄活血止痛。",
  "车前子利水通淋。",
  "田七粉活血化瘀。",
  "山药、茯苓健脾利湿。",
  "患者向医生诉腹痛加重。",
  "医生和家属沟通病情。",
  "患者和家属表示理解。",
  "护士每日观察引流液颜色及性状。",
  "主管医生评估后予出院。",
  "实习医生协助换药。",
  "值班医生及时处理。",
  "患者常感右上腹不适。",
  "患者尚可耐受手术。",
  "患者一般情况可，营养中等。",
  "患者宫颈检查未见异常。",
  "胆总管直径正常，未见结石。",
  "患者于同日行腹腔镜胆囊切除术。",
  "术后3天拔除引流管。",
  "病程约3个月。",
  "患者既往行阑尾切除术。",
  "肿瘤标志物未见明显异常。",
  "B超提示脂肪肝。",
  "查体：神志清，精神差，急性病容。",
  "诊断：胆囊结石伴慢性胆囊炎。",
  "入院后完善血常规、肝肾功能、凝血功能等检查。",
  "手术顺利，术后转入ICU监护。",
  "患者术后第1天下床活动。",
  "复查CT示术区少量积液。"
]
