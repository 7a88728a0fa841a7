/**
 * Hand-written, simplified teaching facts about hepatobiliary and pancreatic diseases: the single
 * source of the shipped synthetic sample data (kg.jsonl, exam.jsonl, records.jsonl, corpus.txt).
 * Simplified on purpose (short lists, one fact per sentence) so that a tiny model can learn them;
 * not clinical guidance.
 */
export interface Fact {
  readonly name: string
  readonly departments: ReadonlyArray<string>
  readonly body_parts: ReadonlyArray<string>
  readonly symptoms: ReadonlyArray<string>
  readonly complications: ReadonlyArray<string>
  readonly checks: ReadonlyArray<string>
  readonly drugs: ReadonlyArray<string>
  readonly treatments: ReadonlyArray<string>
  readonly surgery?: string
  readonly cause: string
  readonly prevention: string
  readonly description: string
  readonly susceptible_population: string
}

const SURG = ["外科", "肝胆外科"]
const HEP = ["内科", "肝病科"]
const GI = ["内科", "消化内科"]

export const facts: ReadonlyArray<Fact> = [
  {
    name: "胆囊结石", departments: SURG, body_parts: ["胆囊"],
    symptoms: ["右上腹绞痛", "饱餐后腹痛", "恶心"], complications: ["急性胆囊炎", "胆源性胰腺炎", "胆总管结石"],
    checks: ["腹部超声", "肝功能"], drugs: ["熊去氧胆酸"], treatments: ["腹腔镜胆囊切除术", "药物溶石"],
    surgery: "腹腔镜胆囊切除术",
    cause: "胆汁中胆固醇过饱和析出结晶，逐渐形成胆囊结石。",
    prevention: "规律进食早餐，控制体重，少吃高脂肪食物。",
    description: "胆囊结石是发生在胆囊内的结石，常在饱餐或进食油腻食物后出现右上腹绞痛。",
    susceptible_population: "中年肥胖女性"
  },
  {
    name: "急性胆囊炎", departments: SURG, body_parts: ["胆囊"],
    symptoms: ["右上腹持续疼痛", "发热", "墨菲征阳性"], complications: ["胆囊穿孔", "胆囊积脓"],
    checks: ["腹部超声", "血常规"], drugs: ["头孢哌酮舒巴坦"], treatments: ["抗感染治疗", "胆囊切除术"],
    surgery: "腹腔镜胆囊切除术",
    cause: "多数由胆囊结石嵌顿于胆囊管、胆汁排出受阻并继发细菌感染引起。",
    prevention: "有胆囊结石的患者应及时治疗，避免暴饮暴食。",
    description: "急性胆囊炎是胆囊的急性炎症，典型表现是右上腹持续疼痛、发热和墨菲征阳性。",
    susceptible_population: "胆囊结石患者"
  },
  {
    name: "慢性胆囊炎", departments: SURG, body_parts: ["胆囊"],
    symptoms: ["右上腹隐痛", "腹胀", "厌油腻"], complications: ["胆囊萎缩", "胆囊癌"],
    checks: ["腹部超声"], drugs: ["熊去氧胆酸", "消炎利胆片"], treatments: ["低脂饮食", "胆囊切除术"],
    surgery: "腹腔镜胆囊切除术",
    cause: "多由胆囊结石长期刺激胆囊壁、反复炎症发作引起。",
    prevention: "低脂饮食，规律进餐，积极治疗胆囊结石。",
    description: "慢性胆囊炎是胆囊的慢性炎症，常表现为右上腹隐痛、腹胀和厌油腻。",
    susceptible_population: "胆囊结石患者"
  },
  {
    name: "胆总管结石", departments: SURG, body_parts: ["胆总管"],
    symptoms: ["腹痛", "寒战高热", "黄疸"], complications: ["急性梗阻性化脓性胆管炎", "胆源性胰腺炎"],
    checks: ["磁共振胰胆管成像", "腹部超声"], drugs: ["头孢哌酮舒巴坦"], treatments: ["内镜取石", "胆总管探查术"],
    surgery: "内镜逆行胰胆管造影取石",
    cause: "结石来自胆囊结石排入胆总管，或在胆管内原发形成。",
    prevention: "及时治疗胆囊结石，定期复查。",
    description: "胆总管结石是位于胆总管内的结石，典型表现为腹痛、寒战高热和黄疸，称为夏科三联征。",
    susceptible_population: "胆囊结石患者"
  },
  {
    name: "急性梗阻性化脓性胆管炎", departments: SURG, body_parts: ["胆管"],
    symptoms: ["腹痛", "寒战高热", "黄疸", "休克", "神志改变"], complications: ["感染性休克", "多器官功能衰竭"],
    checks: ["腹部超声", "血常规"], drugs: ["亚胺培南"], treatments: ["紧急胆道减压引流", "抗感染治疗"],
    surgery: "紧急胆道减压引流",
    cause: "胆管梗阻合并细菌感染，最常见的原因是胆总管结石。",
    prevention: "积极治疗胆管结石，出现黄疸发热及时就医。",
    description: "急性梗阻性化脓性胆管炎是胆道感染最严重的类型，表现为雷诺五联征：腹痛、寒战高热、黄疸、休克和神志改变。",
    susceptible_population: "胆管结石患者"
  },
  {
    name: "胆囊息肉", departments: SURG, body_parts: ["胆囊"],
    symptoms: ["多无症状", "右上腹不适"], complications: ["胆囊癌"],
    checks: ["腹部超声"], drugs: [], treatments: ["定期超声复查", "胆囊切除术"],
    surgery: "腹腔镜胆囊切除术",
    cause: "多为胆固醇沉积形成的胆固醇性息肉。",
    prevention: "低脂饮食，定期体检。",
    description: "胆囊息肉是胆囊壁向腔内突起的病变，多在体检做腹部超声时发现；直径超过一厘米时建议手术。",
    susceptible_population: "中年人"
  },
  {
    name: "胆囊癌", departments: SURG, body_parts: ["胆囊"],
    symptoms: ["右上腹痛", "黄疸", "消瘦"], complications: ["肝转移", "胆道梗阻"],
    checks: ["腹部增强CT", "肿瘤标志物CA19-9"], drugs: ["吉西他滨"], treatments: ["根治性胆囊切除术", "化疗"],
    surgery: "根治性胆囊切除术",
    cause: "与胆囊结石长期刺激和慢性炎症密切相关。",
    prevention: "积极治疗胆囊结石和胆囊息肉。",
    description: "胆囊癌是胆道最常见的恶性肿瘤，早期症状不明显，发现时多已进展。",
    susceptible_population: "老年女性"
  },
  {
    name: "胆管癌", departments: SURG, body_parts: ["胆管"],
    symptoms: ["无痛性进行性黄疸", "皮肤瘙痒", "消瘦"], complications: ["胆道梗阻", "胆管炎"],
    checks: ["磁共振胰胆管成像", "肿瘤标志物CA19-9"], drugs: ["吉西他滨"], treatments: ["胆管癌根治术", "胆道支架引流"],
    surgery: "胆管癌根治术",
    cause: "与肝内胆管结石、原发性硬化性胆管炎和肝吸虫感染有关。",
    prevention: "不吃生鱼，积极治疗胆管结石。",
    description: "胆管癌是起源于胆管上皮的恶性肿瘤，最典型的表现是无痛性进行性黄疸。",
    susceptible_population: "老年人"
  },
  {
    name: "原发性肝癌", departments: SURG, body_parts: ["肝脏"],
    symptoms: ["肝区疼痛", "消瘦", "乏力", "腹部肿块"], complications: ["肝癌破裂出血", "肝性脑病"],
    checks: ["甲胎蛋白", "腹部增强CT"], drugs: ["索拉非尼"], treatments: ["肝切除术", "经导管动脉化疗栓塞术"],
    surgery: "肝切除术",
    cause: "多在乙型肝炎、丙型肝炎和肝硬化的基础上发生，黄曲霉毒素也是危险因素。",
    prevention: "接种乙肝疫苗，不吃霉变食物，肝硬化患者定期筛查。",
    description: "原发性肝癌是起源于肝细胞或肝内胆管的恶性肿瘤，筛查常用甲胎蛋白和腹部超声。",
    susceptible_population: "乙型肝炎和肝硬化患者"
  },
  {
    name: "肝血管瘤", departments: SURG, body_parts: ["肝脏"],
    symptoms: ["多无症状", "上腹胀"], complications: ["瘤体破裂出血"],
    checks: ["腹部超声", "腹部增强CT"], drugs: [], treatments: ["定期观察", "肝血管瘤切除术"],
    surgery: "肝血管瘤切除术",
    cause: "属于先天性血管发育异常。",
    prevention: "无特殊预防方法，定期复查。",
    description: "肝血管瘤是肝脏最常见的良性肿瘤，大多无症状，小的血管瘤只需定期观察。",
    susceptible_population: "中年女性"
  },
  {
    name: "肝囊肿", departments: SURG, body_parts: ["肝脏"],
    symptoms: ["多无症状", "上腹胀满"], complications: ["囊内出血", "囊肿感染"],
    checks: ["腹部超声"], drugs: [], treatments: ["定期观察", "腹腔镜肝囊肿开窗术"],
    surgery: "腹腔镜肝囊肿开窗术",
    cause: "多为先天性，少数由寄生虫或外伤引起。",
    prevention: "无特殊预防方法，定期体检。",
    description: "肝囊肿是肝内的囊性病变，多为先天性，小的囊肿不需要治疗。",
    susceptible_population: "中老年人"
  },
  {
    name: "细菌性肝脓肿", departments: SURG, body_parts: ["肝脏"],
    symptoms: ["寒战高热", "肝区疼痛", "肝大"], complications: ["膈下脓肿", "脓毒症"],
    checks: ["腹部超声", "血培养"], drugs: ["甲硝唑", "头孢曲松"], treatments: ["抗感染治疗", "经皮穿刺引流"],
    surgery: "经皮肝穿刺脓肿引流",
    cause: "细菌经胆道、门静脉或肝动脉进入肝脏，最常见的途径是胆道。",
    prevention: "积极治疗胆道感染，控制血糖。",
    description: "细菌性肝脓肿是细菌感染引起的肝内脓肿，表现为寒战高热、肝区疼痛和肝大。",
    susceptible_population: "糖尿病患者"
  },
  {
    name: "阿米巴肝脓肿", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["长期发热", "右上腹痛", "肝大"], complications: ["脓肿破入胸腔", "膈下脓肿"],
    checks: ["腹部超声", "阿米巴抗体"], drugs: ["甲硝唑"], treatments: ["抗阿米巴治疗", "穿刺引流"],
    cause: "由溶组织阿米巴原虫从肠道经门静脉进入肝脏引起，常继发于阿米巴痢疾。",
    prevention: "注意饮食卫生，饭前便后洗手。",
    description: "阿米巴肝脓肿是阿米巴痢疾的并发症，脓液呈巧克力色，首选甲硝唑治疗。",
    susceptible_population: "有阿米巴痢疾病史者"
  },
  {
    name: "肝硬化", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["乏力", "腹水", "黄疸", "蜘蛛痣"], complications: ["上消化道出血", "肝性脑病", "自发性腹膜炎"],
    checks: ["肝功能", "腹部超声"], drugs: ["螺内酯", "呋塞米"], treatments: ["病因治疗", "利尿治疗", "肝移植"],
    cause: "我国最常见的病因是乙型肝炎，其次是长期大量饮酒。",
    prevention: "接种乙肝疫苗，戒酒，积极治疗慢性肝炎。",
    description: "肝硬化是各种慢性肝病发展的晚期阶段，表现为肝功能减退和门静脉高压。",
    susceptible_population: "慢性乙型肝炎患者"
  },
  {
    name: "门静脉高压症", departments: SURG, body_parts: ["门静脉"],
    symptoms: ["脾大", "呕血", "腹水"], complications: ["食管胃底静脉曲张破裂出血", "脾功能亢进"],
    checks: ["胃镜", "腹部超声"], drugs: ["普萘洛尔"], treatments: ["内镜下套扎", "经颈静脉肝内门体分流术"],
    surgery: "脾切除加贲门周围血管离断术",
    cause: "绝大多数由肝硬化引起。",
    prevention: "积极治疗肝硬化，戒酒。",
    description: "门静脉高压症是门静脉压力持续升高引起的综合征，主要表现为脾大、呕血和腹水。",
    susceptible_population: "肝硬化患者"
  },
  {
    name: "脂肪肝", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["多无症状", "乏力", "右上腹不适"], complications: ["脂肪性肝炎", "肝硬化"],
    checks: ["腹部超声", "肝功能"], drugs: ["多烯磷脂酰胆碱"], treatments: ["减重", "运动", "控制饮食"],
    cause: "与肥胖、高脂饮食、糖尿病和长期饮酒有关。",
    prevention: "控制体重，规律运动，少喝酒。",
    description: "脂肪肝是肝细胞内脂肪堆积过多的病变，多在体检做腹部超声时发现，减重是最主要的治疗。",
    susceptible_population: "肥胖人群"
  },
  {
    name: "酒精性肝病", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["乏力", "食欲减退", "肝区不适"], complications: ["酒精性肝硬化", "肝衰竭"],
    checks: ["肝功能", "腹部超声"], drugs: ["多烯磷脂酰胆碱"], treatments: ["戒酒", "营养支持"],
    cause: "长期大量饮酒导致肝细胞损伤。",
    prevention: "戒酒或限制饮酒量。",
    description: "酒精性肝病是长期大量饮酒引起的肝脏疾病，戒酒是最重要的治疗措施。",
    susceptible_population: "长期大量饮酒者"
  },
  {
    name: "乙型肝炎", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["乏力", "食欲减退", "肝区不适"], complications: ["肝硬化", "原发性肝癌"],
    checks: ["乙肝五项", "乙肝病毒DNA"], drugs: ["恩替卡韦", "替诺福韦"], treatments: ["抗病毒治疗"],
    cause: "由乙型肝炎病毒感染引起，经血液、母婴和性接触传播。",
    prevention: "接种乙肝疫苗是最有效的预防方法。",
    description: "乙型肝炎是乙型肝炎病毒引起的传染病，慢性感染可发展为肝硬化和肝癌，常用恩替卡韦抗病毒。",
    susceptible_population: "未接种乙肝疫苗者"
  },
  {
    name: "丙型肝炎", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["乏力", "食欲减退"], complications: ["肝硬化", "原发性肝癌"],
    checks: ["丙肝抗体", "丙肝病毒RNA"], drugs: ["索磷布韦维帕他韦"], treatments: ["抗病毒治疗"],
    cause: "由丙型肝炎病毒感染引起，主要经血液传播。",
    prevention: "避免共用针具，输血和血制品须严格检测。",
    description: "丙型肝炎是丙型肝炎病毒引起的传染病，直接抗病毒药物可以治愈。",
    susceptible_population: "有输血或静脉注射史者"
  },
  {
    name: "自身免疫性肝炎", departments: HEP, body_parts: ["肝脏"],
    symptoms: ["乏力", "黄疸", "关节痛"], complications: ["肝硬化"],
    checks: ["自身抗体", "肝穿刺活检"], drugs: ["泼尼松", "硫唑嘌呤"], treatments: ["免疫抑制治疗"],
    cause: "机体免疫系统攻击自身肝细胞引起。",
    prevention: "无特殊预防方法，早诊断早治疗。",
    description: "自身免疫性肝炎是自身免疫反应引起的肝脏炎症，多见于女性，常用泼尼松治疗。",
    susceptible_population: "中年女性"
  },
  {
    name: "原发性胆汁性胆管炎", departments: HEP, body_parts: ["肝内小胆管"],
    symptoms: ["皮肤瘙痒", "乏力", "黄疸"], complications: ["肝硬化", "骨质疏松"],
    checks: ["抗线粒体抗体", "碱性磷酸酶"], drugs: ["熊去氧胆酸"], treatments: ["熊去氧胆酸治疗"],
    cause: "自身免疫反应破坏肝内小胆管引起。",
    prevention: "无特殊预防方法，定期复查肝功能。",
    description: "原发性胆汁性胆管炎是肝内小胆管的慢性自身免疫性疾病，抗线粒体抗体阳性，首选熊去氧胆酸治疗。",
    susceptible_population: "中年女性"
  },
  {
    name: "急性胰腺炎", departments: GI, body_parts: ["胰腺"],
    symptoms: ["上腹剧痛", "腹痛向腰背部放射", "恶心呕吐"], complications: ["胰腺假性囊肿", "感染性胰腺坏死"],
    checks: ["血淀粉酶", "腹部增强CT"], drugs: ["奥美拉唑", "生长抑素"], treatments: ["禁食", "补液", "抑制胰液分泌"],
    cause: "我国最常见的病因是胆道疾病，其次是大量饮酒和暴饮暴食。",
    prevention: "积极治疗胆囊结石，避免暴饮暴食和酗酒。",
    description: "急性胰腺炎是胰酶在胰腺内被激活引起的炎症，表现为上腹剧痛并向腰背部放射，血淀粉酶升高。",
    susceptible_population: "胆石症患者和酗酒者"
  },
  {
    name: "慢性胰腺炎", departments: GI, body_parts: ["胰腺"],
    symptoms: ["反复上腹痛", "脂肪泻", "消瘦"], complications: ["糖尿病", "胰腺假性囊肿"],
    checks: ["腹部CT", "粪便弹性蛋白酶"], drugs: ["胰酶肠溶胶囊"], treatments: ["戒酒", "补充胰酶"],
    cause: "长期大量饮酒是最常见的病因。",
    prevention: "戒酒，低脂饮食。",
    description: "慢性胰腺炎是胰腺的慢性进行性炎症，表现为反复上腹痛、脂肪泻和糖尿病。",
    susceptible_population: "长期大量饮酒者"
  },
  {
    name: "胰腺癌", departments: SURG, body_parts: ["胰腺"],
    symptoms: ["上腹痛", "无痛性黄疸", "消瘦"], complications: ["胆道梗阻", "肝转移"],
    checks: ["腹部增强CT", "肿瘤标志物CA19-9"], drugs: ["吉西他滨"], treatments: ["胰十二指肠切除术", "化疗"],
    surgery: "胰十二指肠切除术",
    cause: "吸烟是最明确的危险因素，慢性胰腺炎和糖尿病也与其有关。",
    prevention: "戒烟，少喝酒，控制体重。",
    description: "胰腺癌是恶性程度很高的消化道肿瘤，胰头癌常表现为无痛性黄疸，肿瘤标志物CA19-9升高。",
    susceptible_population: "长期吸烟的老年人"
  },
  {
    name: "胰腺假性囊肿", departments: SURG, body_parts: ["胰腺"],
    symptoms: ["上腹胀痛", "上腹肿块"], complications: ["囊肿感染", "囊肿破裂"],
    checks: ["腹部CT", "腹部超声"], drugs: [], treatments: ["内镜下引流", "囊肿空肠吻合术"],
    surgery: "囊肿空肠吻合术",
    cause: "多继发于急性胰腺炎或胰腺外伤。",
    prevention: "积极治疗急性胰腺炎。",
    description: "胰腺假性囊肿是急性胰腺炎后胰液积聚形成的囊肿，囊壁没有上皮。",
    susceptible_population: "急性胰腺炎患者"
  },
  {
    name: "肝内胆管结石", departments: SURG, body_parts: ["肝内胆管"],
    symptoms: ["右上腹痛", "发热", "黄疸"], complications: ["胆管炎", "胆管癌"],
    checks: ["磁共振胰胆管成像", "腹部CT"], drugs: ["头孢哌酮舒巴坦"], treatments: ["肝部分切除术", "胆道镜取石"],
    surgery: "肝部分切除术",
    cause: "与胆道感染、胆道寄生虫和胆汁淤积有关。",
    prevention: "注意饮食卫生，防治胆道蛔虫。",
    description: "肝内胆管结石是位于肝内胆管的结石，反复发作可引起胆管炎，长期可导致胆管癌。",
    susceptible_population: "有胆道感染史者"
  },
  {
    name: "先天性胆管囊肿", departments: ["儿科", "小儿外科"], body_parts: ["胆管"],
    symptoms: ["腹痛", "黄疸", "腹部肿块"], complications: ["胆管炎", "胆管癌"],
    checks: ["腹部超声", "磁共振胰胆管成像"], drugs: [], treatments: ["囊肿切除胆道重建术"],
    surgery: "囊肿切除胆道重建术",
    cause: "与胰胆管合流异常有关。",
    prevention: "无特殊预防方法，早发现早手术。",
    description: "先天性胆管囊肿多见于儿童，典型表现为腹痛、黄疸和腹部肿块三联征。",
    susceptible_population: "儿童"
  },
  {
    name: "胆道蛔虫病", departments: GI, body_parts: ["胆道"],
    symptoms: ["剑突下钻顶样绞痛", "恶心呕吐"], complications: ["胆管炎", "急性胰腺炎"],
    checks: ["腹部超声", "粪便虫卵检查"], drugs: ["阿苯达唑"], treatments: ["解痉止痛", "驱虫治疗"],
    cause: "肠道蛔虫钻入胆道引起。",
    prevention: "注意饮食卫生，饭前便后洗手，定期驱虫。",
    description: "胆道蛔虫病是蛔虫钻入胆道引起的急腹症，特点是剑突下钻顶样绞痛，症状重而体征轻。",
    susceptible_population: "儿童和青少年"
  },
  {
    name: "肝性脑病", departments: HEP, body_parts: ["肝脏", "脑"],
    symptoms: ["意识障碍", "扑翼样震颤", "性格改变"], complications: ["脑水肿", "昏迷"],
    checks: ["血氨", "脑电图"], drugs: ["乳果糖", "门冬氨酸鸟氨酸"], treatments: ["减少肠道氨吸收", "去除诱因"],
    cause: "严重肝病时肝脏不能清除血氨等毒性物质，引起中枢神经系统功能紊乱。",
    prevention: "肝硬化患者应避免高蛋白饮食、便秘和上消化道出血。",
    description: "肝性脑病是严重肝病引起的神经精神综合征，典型体征是扑翼样震颤，血氨常升高，常用乳果糖治疗。",
    susceptible_population: "肝硬化患者"
  },
  {
    name: "食管胃底静脉曲张破裂出血", departments: GI, body_parts: ["食管", "胃底"],
    symptoms: ["呕血", "黑便", "头晕心悸"], complications: ["失血性休克", "肝性脑病"],
    checks: ["胃镜", "血常规"], drugs: ["生长抑素", "奥曲肽"], treatments: ["内镜下套扎", "三腔二囊管压迫止血"],
    surgery: "内镜下曲张静脉套扎术",
    cause: "由肝硬化门静脉高压导致食管胃底静脉曲张破裂引起。",
    prevention: "肝硬化患者应避免粗糙坚硬食物，按医嘱服用普萘洛尔。",
    description: "食管胃底静脉曲张破裂出血是肝硬化最常见的并发症，表现为大量呕血和黑便，胃镜是首选检查。",
    susceptible_population: "肝硬化患者"
  },
  {
    name: "壶腹周围癌", departments: SURG, body_parts: ["壶腹部"],
    symptoms: ["黄疸", "上腹痛", "消瘦"], complications: ["胆道梗阻", "消化道出血"],
    checks: ["腹部增强CT", "十二指肠镜"], drugs: ["吉西他滨"], treatments: ["胰十二指肠切除术"],
    surgery: "胰十二指肠切除术",
    cause: "病因不明，与吸烟和慢性炎症有关。",
    prevention: "戒烟，出现黄疸及时就医。",
    description: "壶腹周围癌包括壶腹癌、胆总管下端癌和十二指肠癌，早期即出现黄疸，标准手术是胰十二指肠切除术。",
    susceptible_population: "老年人"
  }
]

/** general-ability QA (not hepatobiliary) so the tuned model keeps answering everyday questions */
export const generalQa: ReadonlyArray<readonly [string, string]> = [
  ["感冒了应该怎么办？", "感冒多由病毒引起，应多休息、多喝水，发热时可用退热药，症状加重应及时就医。"],
  ["成年人每天应该睡多久？", "成年人一般每天睡七到八小时，保持规律作息有利于健康。"],
  ["怎样正确洗手？", "用流动水和肥皂搓洗手心、手背、指缝和指尖至少二十秒，再用清水冲净。"],
  ["高血压患者饮食要注意什么？", "高血压患者应少吃盐，多吃蔬菜水果，戒烟限酒，控制体重。"],
  ["糖尿病的典型症状是什么？", "糖尿病的典型症状是多饮、多食、多尿和体重下降。"],
  ["每天喝多少水合适？", "健康成年人每天饮水约一千五百到一千七百毫升，天热或运动时适当增加。"],
  ["发烧到多少度需要吃退烧药？", "体温超过三十八点五摄氏度且不舒服时可以服用退热药，儿童用药须按体重。"],
  ["为什么要接种疫苗？", "接种疫苗可以让身体产生抗体，预防相应的传染病。"],
  ["吸烟有哪些危害？", "吸烟会增加肺癌、冠心病、慢性阻塞性肺疾病和胰腺癌等多种疾病的风险。"],
  ["如何预防骨质疏松？", "多晒太阳，摄入足够的钙和维生素D，坚持负重运动，戒烟限酒。"],
  ["运动前为什么要热身？", "热身可以提高肌肉温度和关节灵活性，减少运动损伤。"],
  ["长期熬夜有什么影响？", "长期熬夜会导致免疫力下降、注意力不集中，并增加心血管疾病风险。"],
  ["中国的首都是哪里？", "中国的首都是北京。"],
  ["一年有多少个月？", "一年有十二个月。"],
  ["水在标准大气压下多少度沸腾？", "水在标准大气压下一百摄氏度沸腾。"],
  ["请用一句话介绍一下你自己。", "我是一个医学问答助手，可以回答常见的健康问题。"],
  ["你好", "你好！请问有什么可以帮您？"],
  ["谢谢你的帮助。", "不客气，祝您身体健康！"],
  ["三加五等于多少？", "三加五等于八。"],
  ["地球绕太阳转一圈需要多久？", "地球绕太阳公转一周大约需要一年。"],
  ["如何缓解压力？", "适当运动、保证睡眠、与亲友交流和培养兴趣爱好都有助于缓解压力。"],
  ["饭后马上运动好吗？", "饭后马上剧烈运动容易引起腹痛，一般建议饭后休息半小时到一小时再运动。"],
  ["如何保护视力？", "连续用眼四十分钟左右应休息远眺，保持合适的阅读距离和光线。"],
  ["什么是均衡饮食？", "均衡饮食是指谷物、蔬菜水果、蛋白质和奶类等各类食物搭配适量，不偏食。"],
  ["儿童发烧时可以用酒精擦身吗？", "不建议用酒精擦身，可以减少衣物、温水擦浴，必要时按体重服用退热药。"],
  ["体检一般多久做一次？", "健康成年人一般每年做一次体检，有慢性病的人按医生建议复查。"],
  ["中暑了怎么办？", "应立即转移到阴凉通风处，补充淡盐水，用湿毛巾降温，严重时立即就医。"],
  ["如何预防流感？", "每年接种流感疫苗，勤洗手，流感季节少去人群密集的地方。"],
  ["为什么要少吃盐？", "吃盐过多会升高血压，增加心脑血管疾病的风险。"],
  ["咳嗽可以自己买抗生素吃吗？", "不可以，多数咳嗽由病毒引起，抗生素无效，应在医生指导下用药。"],
  ["早餐为什么重要？", "早餐为上午的学习和工作提供能量，长期不吃早餐容易引起胃部不适和注意力下降。"],
  ["怎样刷牙才正确？", "每天早晚各刷一次，每次约两分钟，用含氟牙膏，顺着牙缝上下刷。"],
  ["久坐有什么危害？", "久坐会增加肥胖、颈椎病和下肢静脉血栓的风险，每坐一小时应起身活动几分钟。"],
  ["晒太阳有什么好处？", "适量晒太阳能促进皮肤合成维生素D，帮助钙的吸收。"],
  ["被狗咬伤后怎么办？", "立即用肥皂水和流动清水冲洗伤口至少十五分钟，并尽快到医院接种狂犬病疫苗。"],
  ["烫伤后应该怎么处理？", "立即用凉的流动水冲洗烫伤处十到二十分钟，不要涂抹牙膏或酱油，严重时就医。"],
  ["鼻子出血怎么办？", "身体稍向前倾，用手指捏住两侧鼻翼压迫十分钟左右，不要仰头。"],
  ["怎样才算适量运动？", "成年人每周进行至少一百五十分钟中等强度的运动，例如快走、游泳或骑车。"],
  ["为什么要多吃蔬菜水果？", "蔬菜水果富含维生素、矿物质和膳食纤维，有助于维持肠道健康。"],
  ["喝酒对身体有什么影响？", "长期饮酒会损伤肝脏和神经系统，并增加多种癌症的风险。"],
  ["一周有几天？", "一周有七天。"],
  ["太阳从哪个方向升起？", "太阳从东方升起。"],
  ["十减去四等于多少？", "十减去四等于六。"],
  ["人体有几颗恒牙？", "成年人一般有二十八到三十二颗恒牙。"],
  ["正常人的体温是多少？", "正常人腋下体温一般在三十六到三十七摄氏度之间。"],
  ["如何预防食物中毒？", "生熟食物分开处理，食物要烧熟煮透，不吃变质或来历不明的食物。"],
  ["失眠了怎么办？", "保持规律作息，睡前少看手机，避免喝咖啡和浓茶，长期失眠应就医。"],
  ["孕妇可以随便吃药吗？", "不可以，孕期用药可能影响胎儿，应在医生指导下使用。"],
  ["心肺复苏的按压位置在哪里？", "按压位置在胸部正中两乳头连线的中点，即胸骨下半部。"]
]

/**
 * Everyday health and common knowledge as plain statements, for the pretraining corpus: the base
 * model reads about the topics of the general QA (and learns their characters) without ever seeing
 * one of its questions or answers, so a held-out general QA pair stays unseen by every model.
 */
export const generalReading: ReadonlyArray<string> = [
  "普通感冒大多是病毒感染，休息和补充水分是最基本的处理，高热不退或呼吸困难时要去医院。",
  "规律作息对身体有益，多数成年人夜间需要七八个小时的睡眠，长期熬夜会削弱免疫力，让人白天注意力不集中，也会加重心脏和血管的负担。",
  "洗手时先用流动水打湿双手，抹上肥皂，把手心、手背、指缝、指尖和手腕都搓洗干净，最后冲净擦干。",
  "控制血压要从饮食做起：清淡少盐，多吃新鲜蔬菜和水果，不吸烟，少饮酒，把体重保持在正常范围。",
  "血糖长期偏高的人常有口渴多饮、吃得多、小便多而体重反而减轻的表现，这是糖尿病的信号。",
  "人每天需要补充一定量的水分，白开水是最好的饮料，出汗多时要多喝一些。",
  "体温升高时先物理降温，明显不适再用退热药；给儿童用药要按体重计算剂量，不能用酒精擦身。",
  "疫苗能让人体提前产生抗体，是预防传染病最经济有效的办法，流感疫苗每年都要重新接种。",
  "烟草中的有害物质会损伤肺、心脏和血管，也与多种癌症有关；饮酒过量则伤害肝脏和神经系统。",
  "骨骼健康需要钙和维生素D，户外活动晒晒太阳、坚持步行等负重锻炼都能减少骨质疏松。",
  "运动之前活动一下关节、让肌肉热起来，可以降低拉伤和扭伤的机会；刚吃完饭不宜马上剧烈运动。",
  "北京是中国的首都，一年分为十二个月，一周有七天，太阳每天从东方升起、从西方落下。",
  "在一个标准大气压下，水加热到一百摄氏度就会沸腾；地球绕太阳公转一周约为一年。",
  "简单的算术：二加二得四，三加五得八，十减四得六，五乘二得十。",
  "医学问答助手的任务是耐心解答常见的健康问题，遇到别人道谢时应礼貌回应并送上祝福。",
  "面对压力时，可以通过锻炼身体、保证睡眠、和家人朋友聊天以及培养爱好来放松心情。",
  "看书和看屏幕久了要让眼睛休息，向远处眺望几分钟，光线要充足，距离不要太近。",
  "合理膳食讲究食物多样，主食、蔬菜、水果、肉蛋奶和豆类都要吃，不挑食也不暴饮暴食。",
  "身体检查最好每年做一次，患有慢性病的人要按医嘱定期复查。",
  "高温天气里出现头晕、乏力、大量出汗，可能是中暑，应尽快到阴凉处休息并补充含盐的水。",
  "流感高发季节要勤洗手、多通风，尽量少去人多拥挤的场所，出门可以戴口罩。",
  "吃得太咸会让血压升高，心脑血管疾病的风险也随之增加。",
  "抗生素只对细菌感染有效，对病毒引起的咳嗽和感冒没有作用，滥用还会产生耐药。",
  "早餐提供上午所需的能量，经常不吃早餐容易胃部不适，学习和工作时也难以集中精神。",
  "刷牙每天两次，每次两分钟左右，使用含氟牙膏，上下竖刷，清洁牙缝。",
  "长时间坐着不动容易发胖，还可能引起颈椎病和下肢静脉血栓，隔一会儿就应站起来走动。",
  "皮肤在阳光照射下可以合成维生素D，帮助身体吸收钙，但夏天要避免暴晒。",
  "被动物咬伤或抓伤后，要用肥皂水和清水反复冲洗伤口，并按时接种狂犬病疫苗。",
  "皮肤被开水烫到后，先用凉水持续冲洗降温，不要在伤处涂牙膏、酱油之类的东西。",
  "流鼻血时头部稍向前低，用手指压紧鼻翼约十分钟，仰头会让血流进喉咙。",
  "成年人每周宜有一百五十分钟以上的中等强度活动，快步走、游泳、骑自行车都是好选择。",
  "新鲜蔬菜和水果含有丰富的维生素、矿物质和膳食纤维，对肠道有好处。",
  "成年人一般有二十八到三十二颗恒牙；正常人腋下体温在三十六到三十七摄氏度之间。",
  "预防食物中毒要做到生熟分开、烧熟煮透，不吃腐败变质的食物。",
  "睡不着觉时不要在床上看手机，下午以后少喝咖啡和浓茶，失眠持续很久应当看医生。",
  "怀孕期间用药要格外谨慎，许多药物会影响胎儿发育，必须遵照医生的建议。",
  "心肺复苏时在胸骨下半部、两乳头连线中点处用力快速按压，同时尽快呼叫急救。"
]
