// Names and addresses in the scripts a hospital's vendors, datasets and legal grounds are
// written in, for the letters' tests: each must come out of the PDF exactly as recorded.

export interface ScriptSample {
  script: string;
  name: string;
  address: string;
  /** Holds right-to-left text: checked word by word (see letters-scripts.pdf.spec.ts). */
  rtl?: boolean;
}

export const SCRIPT_SAMPLES: readonly ScriptSample[] = [
  {
    script: 'Latin with diacritics',
    name: 'Łódź Œuvre Škoda Őrség',
    address: 'ul. Żółkiewskiego 5, Kraków',
  },
  { script: 'Greek', name: 'Ιατρική Απεικόνιση ΑΕ', address: 'Οδός Αθηνάς 12, Αθήνα' },
  { script: 'Cyrillic', name: 'Медицинская визуализация', address: 'ул. Ленина 5, Москва' },
  { script: 'Japanese', name: '株式会社ディープスキャン', address: '東京都千代田区丸の内1-1' },
  {
    script: 'Simplified Chinese',
    name: '北京深度影像科技有限公司',
    address: '北京市海淀区中关村大街1号',
  },
  { script: 'Korean', name: '서울의료영상 주식회사', address: '서울특별시 강남구 테헤란로 1' },
  {
    script: 'Arabic',
    name: 'شركة التصوير الطبي',
    address: 'شارع الملك فهد، الرياض',
    rtl: true,
  },
  {
    script: 'Hebrew',
    name: 'הדמיה רפואית בעמ',
    address: 'רחוב הרצל 1, תל אביב',
    rtl: true,
  },
  { script: 'Japanese mixed with Latin', name: 'DeepScan 株式会社', address: 'Tokyo 東京都 1-1' },
  {
    script: 'Arabic mixed with Latin',
    name: 'Acme شركة التصوير',
    address: 'Riyadh الرياض 11564',
    rtl: true,
  },
  {
    script: 'Hebrew mixed with Latin',
    name: 'Acme הדמיה רפואית',
    address: 'Tel Aviv תל אביב 61000',
    rtl: true,
  },
];
