/**
 * Chinese surnames: the single-character surnames of the Hundred Family Surnames (百家姓), common
 * modern ones it lacks (闫, 亓, 覃 …), and the compound surnames (欧阳, 司马, 诸葛 …). Many are also
 * everyday words (于, 和, 高, 白, 葛), so a surname alone never marks a name: the name rules use it
 * only next to a person cue (a role word, 患者…, 其子…).
 */
const BAIJIAXING =
  "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎" +
  "鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄" +
  "和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭" +
  "梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚" +
  "程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫" +
  "宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴鬱胥能苍双" +
  "闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍卻璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容" +
  "向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空" +
  "曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公岳帅缑亢况有琴晋楚闫法汝鄢涂钦佘佴墨哈谯笪年爱阳佟言福"

/** modern surnames outside the classic text */
const MODERN = "仉亓覃邝区朴付冼谌粟麦练揭代敬母兰仝铁达肖邸蹇禤隋綦旷植战芦苟庹檀鞠栗侍原郄问泮尉淡黄"

export const compoundSurnames: ReadonlyArray<string> = [
  "万俟", "司马", "上官", "欧阳", "夏侯", "诸葛", "闻人", "东方", "赫连", "皇甫", "尉迟", "公羊", "澹台", "公冶",
  "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "公孙", "仲孙", "轩辕", "令狐", "钟离", "宇文", "长孙", "慕容",
  "鲜于", "闾丘", "司徒", "司空", "亓官", "司寇", "子车", "颛孙", "端木", "巫马", "公西", "漆雕", "乐正", "壤驷",
  "公良", "拓跋", "夹谷", "宰父", "谷梁", "段干", "百里", "东郭", "南门", "呼延", "归海", "羊舌", "微生", "梁丘",
  "左丘", "东门", "西门", "南宫", "第五"
]

export const singleSurnames: ReadonlySet<string> = new Set([...BAIJIAXING, ...MODERN])

/**
 * Surnames that are, far more often, function words or everyday morphemes in clinical text
 * (患者于…, 和家属…, 向医生…, 术后…): never accepted as a bare surname, and not as the first
 * character of a name unless a colon or a strong cue says a name follows.
 */
export const functionSurnames: ReadonlySet<string> = new Set([..."于和向从时后经应能都全常相查有同尚将并其以为及与在解"])

/** regex source: one surname, compound ones first so 欧阳 wins over 欧 */
export const surnameSource = `(?:${compoundSurnames.join("|")}|[${[...singleSurnames].join("")}])`

export const isSurname = (s: string): boolean => singleSurnames.has(s) || compoundSurnames.includes(s)
