# language: ja
機能: 監査報告の作成と照合
  監査委員事務局の職員として
  報告の図と表が承認されたモデルそのものから作られたことを確かめたい
  そうすれば、誰かが報告やモデルを書き換えたときに気づける

  背景:
    前提 児童手当の認定請求の現行と見直し後のモデルがある手続フォルダ
    かつ "tetsuzuki report" で報告を作成した

  シナリオ: 作成したままの報告を照合する
    もし "tetsuzuki verify" で報告を照合する
    ならば 終了コードは 0 である

  シナリオ: 報告の図を1バイト書き換えると照合に失敗する
    前提 報告の "diagrams/child-allowance-claim.diff.svg" を1バイト書き換えた
    もし "tetsuzuki verify" で報告を照合する
    ならば 終了コードは 1 である
    かつ 出力に "changed: diagrams/child-allowance-claim.diff.svg" と示される

  シナリオ: 報告の後でモデルを書き換えると照合に失敗する
    前提 モデル "childcare/child-allowance-claim/to-be.yaml" を1バイト書き換えた
    もし "tetsuzuki verify" で報告を照合する
    ならば 終了コードは 1 である
    かつ 出力に "source changed: childcare/child-allowance-claim/to-be.yaml" と示される
