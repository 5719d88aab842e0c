//! Generated corpora for tests and benchmarks: a deterministic generator and the words of a
//! shop's help texts in Chinese and English, so failures and figures reproduce run to run.

/// A small deterministic generator (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

pub const ZH_WORDS: &[&str] = &[
    "订单",
    "退货",
    "退款",
    "流程",
    "物流",
    "快递",
    "发货",
    "签收",
    "优惠券",
    "会员",
    "积分",
    "发票",
    "地址",
    "修改",
    "取消",
    "支付",
    "微信",
    "支付宝",
    "尺码",
    "颜色",
    "库存",
    "预售",
    "保修",
    "维修",
    "换货",
    "运费",
    "包邮",
    "客服",
    "售后",
    "质量",
    "问题",
    "商品",
    "价格",
    "活动",
    "申请",
    "审核",
    "时间",
    "工作日",
    "到账",
    "查询",
    "手机",
    "电脑",
    "耳机",
    "衣服",
    "鞋子",
    "我们",
    "您的",
    "可以",
    "需要",
    "如果",
    "请在",
    "以内",
    "之后",
    "联系",
    "说明",
    "七天",
    "无理由",
    "包装",
    "配件",
    "赠品",
    "门店",
    "自提",
    "海外",
    "关税",
    "清关",
    "电池",
];

pub const EN_WORDS: &[&str] = &[
    "order",
    "orders",
    "ordered",
    "refund",
    "refunds",
    "refunded",
    "return",
    "returning",
    "shipping",
    "shipped",
    "delivery",
    "package",
    "invoice",
    "coupon",
    "member",
    "points",
    "address",
    "change",
    "cancel",
    "payment",
    "paying",
    "size",
    "colour",
    "stock",
    "warranty",
    "repair",
    "exchange",
    "free",
    "service",
    "quality",
    "product",
    "price",
    "apply",
    "review",
    "days",
    "business",
    "account",
    "phone",
    "laptop",
    "headphones",
    "shoes",
    "the",
    "your",
    "within",
    "after",
    "contact",
    "please",
    "we",
    "can",
    "if",
    "is",
    "to",
    "battery",
    "customs",
    "overseas",
    "pickup",
    "store",
    "gift",
    "accessories",
    "packaging",
    "tracking",
    "courier",
];

/// `words` Chinese words, a comma after every ninth, a full stop at the end.
pub fn zh_text(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        s.push_str(rng.pick(ZH_WORDS));
        if i % 9 == 8 {
            s.push('，');
        }
    }
    s.push('。');
    s
}

/// `words` English words separated by spaces.
pub fn en_text(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| rng.pick(EN_WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}
