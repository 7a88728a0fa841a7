/**
 * A second, smaller synthetic set written after the rules, in forms the main corpus does not use
 * (other labels, spacing, full-width characters, real-looking institution names). Its figures show
 * how the rules carry over to writing they were not built against. Made up here; no real person.
 */
import type { Plant } from "./corpus.js"

/** [sentence, secrets planted in it] */
export const heldOut: ReadonlyArray<readonly [string, ReadonlyArray<Plant>]> = [
  ["患者之子王强陪同入院。", [{ kind: "name_relative", secret: "王强" }]],
  ["王强（患者之女）代诉病史。", [{ kind: "name_relative", secret: "王强" }]],
  ["患者丈夫李伟签署知情同意书。", [{ kind: "name_relative", secret: "李伟" }]],
  ["由患者儿子刘洋代诉。", [{ kind: "name_relative", secret: "刘洋" }]],
  ["记录者：张丽。", [{ kind: "name_staff", secret: "张丽" }]],
  ["医师签名：陈刚", [{ kind: "name_staff", secret: "陈刚" }]],
  ["张伟主任医师查房后指示继续观察。", [{ kind: "name_staff", secret: "张伟" }]],
  ["欧阳晓医师行术前谈话。", [{ kind: "name_staff", secret: "欧阳晓" }]],
  ["管床医生：孙明。", [{ kind: "name_staff", secret: "孙明" }]],
  ["主管医师 吴刚 查看患者。", [{ kind: "name_staff", secret: "吴刚" }]],
  ["患者 黄小明，男，56岁。", [{ kind: "name_patient", secret: "黄小明" }]],
  ["患者姓名：诸葛芳芳。", [{ kind: "name_patient", secret: "诸葛芳芳" }]],
  ["患者亓国栋于入院前3天出现腹痛。", [{ kind: "name_patient", secret: "亓国栋" }]],
  ["身份证 110101-19800307-1234。", [{ kind: "id_card", secret: "110101-19800307-1234" }]],
  ["公民身份号码：32010219750816003X。", [{ kind: "id_card", secret: "32010219750816003X" }]],
  ["住院号 ZY-2023-000123。", [{ kind: "record_number", secret: "ZY-2023-000123" }]],
  ["门诊ID: 8123456。", [{ kind: "record_number", secret: "8123456" }]],
  ["X线号：X20231234。", [{ kind: "record_number", secret: "X20231234" }]],
  ["登记号为123456789。", [{ kind: "record_number", secret: "123456789" }]],
  ["健康卡号 HK12345678。", [{ kind: "record_number", secret: "HK12345678" }]],
  ["手机号码：15912345678。", [{ kind: "phone_mobile", secret: "15912345678" }]],
  ["Tel: +86-21-62751234。", [{ kind: "phone_landline", secret: "62751234" }]],
  ["电话(0571)8881-2345。", [{ kind: "phone_landline", secret: "8881-2345" }]],
  ["联系电话为13800001111。", [{ kind: "phone_mobile", secret: "13800001111" }]],
  ["邮箱 wang.fang＠126.com。", [{ kind: "email", secret: "wang.fang＠126.com" }]],
  ["邮件：abc_123@hospital.edu.cn。", [{ kind: "email", secret: "abc_123@hospital.edu.cn" }]],
  ["影像见 http://10.1.2.3/pacs/view。", [{ kind: "url", secret: "10.1.2.3" }]],
  ["资料上传至 ftp://files.example.net/x1。", [{ kind: "url", secret: "files.example.net" }]],
  ["终端IP：172.16.5.4。", [{ kind: "ip", secret: "172.16.5.4" }]],
  ["住浙江省宁波市鄞州区钱湖北路55号。", [{ kind: "address", secret: "钱湖北路55号" }]],
  ["户口所在地：江苏省苏州市。", [{ kind: "address", secret: "苏州市" }]],
  ["现居住地：北京市朝阳区望京街道。", [{ kind: "address", secret: "望京街道" }]],
  ["四川省成都市高新区天府大道中段1号。", [{ kind: "address", secret: "天府大道中段1号" }]],
  ["家庭住址：上海市浦东新区张江镇。", [{ kind: "address", secret: "张江镇" }]],
  ["2023年03月15日入院。", [{ kind: "date", secret: "2023年03月15日" }]],
  ["2023-3-5起病。", [{ kind: "date", secret: "2023-3-5" }]],
  ["2023/03/15 14:20手术。", [{ kind: "date", secret: "2023/03/15" }]],
  ["15.03.2023复查。", [{ kind: "date", secret: "15.03.2023" }]],
  ["二零二三年十二月二十一日出院。", [{ kind: "date", secret: "二零二三年十二月二十一日" }]],
  ["其祖母97岁高龄。", [{ kind: "age_over_89", secret: "97岁" }]],
  ["年龄 96 岁。", [{ kind: "age_over_89", secret: "96 岁" }]],
  ["老人一百零二岁。", [{ kind: "age_over_89", secret: "一百零二岁" }]],
  ["曾于北京协和医院就诊。", [{ kind: "hospital", secret: "北京协和医院" }]],
  ["转至复旦大学附属中山医院。", [{ kind: "hospital", secret: "复旦大学附属中山医院" }]],
  ["在解放军总医院行手术。", [{ kind: "hospital", secret: "解放军总医院" }]],
  ["于临川县人民医院输液。", [{ kind: "hospital", secret: "临川县人民医院" }]],
  ["在白鹭社区卫生服务中心随访。", [{ kind: "hospital", secret: "白鹭社区卫生服务中心" }]],
  ["患者为浙江大学退休职工。", [{ kind: "institution", secret: "浙江大学" }]],
  ["其孙在青禾实验小学读书。", [{ kind: "institution", secret: "青禾实验小学" }]]
]
