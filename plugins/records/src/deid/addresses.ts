/**
 * Addresses, including partial ones: after a label (家住, 现住, 住址, 户籍地 …) whatever follows up
 * to the end of the clause; without a label, a chain of administrative units (省/市/区/县/镇/村),
 * a road with a house number (文一西路100号), or building and room numbers (3栋2单元401室).
 */
import { HAN, type MaskRule, alternation } from "./rule.js"

const ADDRESS_LABELS = [
  "家庭住址", "家庭地址", "现住址", "现居住地", "现居住于", "现居于", "现居", "居住地址", "居住地", "居住于", "住址",
  "地址", "家住", "户籍地址", "户籍所在地", "户籍地", "户籍", "户口所在地", "户口地址", "籍贯", "出生地", "通讯地址",
  "联系地址", "邮寄地址", "工作地址", "单位地址"
]

const PROVINCES = [
  "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东",
  "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏",
  "宁夏", "新疆", "香港", "澳门"
]

const PROV = `(?:(?:${alternation(PROVINCES)})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?|[${HAN}]{2,3}?(?:省|自治区))`
const CITY = `[${HAN}]{2,4}?(?:市|州|盟|地区)`
const DIST = `[${HAN}]{1,4}?(?:区|县|旗|市)`
const TOWN = `[${HAN}\\d]{1,6}?(?:街道|镇|乡|村|社区|小区|花园|公寓|大厦|新村|家园|苑|庄)`
const ROAD = `[${HAN}\\d]{1,8}?(?:大道|大街|路|街|巷|胡同|弄|里)`
const NUM = `(?:[\\d一二三四五六七八九十百零〇]+\\s*[-－]?\\s*(?:号楼|号院|号|弄|栋|幢|座|单元|楼|层|室|户|组)\\s*)`

export const addressRules: ReadonlyArray<MaskRule> = [
  {
    kind: "address",
    // 现住 but not 现住院; the value runs to the end of the clause
    re: new RegExp(`(${alternation(ADDRESS_LABELS)})(?!院|址)(\\s*[：:]?\\s*(?:为|是|在|于)?\\s*)([^，。；;,\\n]{2,40})`, "g"),
    // "家住农村" names no place
    replace: (m, mask) => (/^(?:农村|城市|城镇|本地|当地|外地|乡下|城里)$/.test(m[3]!.trim()) ? undefined : `${m[1]}${m[2]}${mask}`)
  },
  // an administrative chain: a province with a city, or a city with anything below it
  { kind: "address", re: new RegExp(`${PROV}(?:${CITY})(?:${DIST})?(?:${TOWN})*(?:${ROAD})?${NUM}*`, "g") },
  { kind: "address", re: new RegExp(`${PROV}?${CITY}(?:${DIST}(?:${TOWN})*(?:${ROAD})?|(?:${TOWN})+(?:${ROAD})?|${ROAD})${NUM}*`, "g") },
  { kind: "address", re: new RegExp(`${DIST}(?:${TOWN})+(?:${ROAD})?${NUM}*`, "g"), replace: (m, mask) => (/^[肝胆胰脾肾肺胃腹病心]/.test(m[0]) ? undefined : mask) },
  // a road with a house number, with or without the city
  { kind: "address", re: new RegExp(`[${HAN}\\d]{1,6}?(?:大道|大街|路|街|巷|胡同)${NUM}+`, "g") },
  // a residential compound or village with a building or group number: 阳光小区5栋, 李家村3组
  { kind: "address", re: new RegExp(`[${HAN}]{1,6}?(?:小区|花园|公寓|大厦|新村|家园|村|苑)${NUM}+`, "g") },
  // building, unit and room numbers: 3栋2单元401室, 12弄3号, 5号楼1203室
  { kind: "address", re: /\d+\s*(?:号楼|栋|幢|弄|号院)\s*(?:\d+\s*(?:单元|号|室|楼|层)\s*){1,3}/g }
]
