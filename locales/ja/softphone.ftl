# Softphone — 日本語

app-title = Softphone
skip-to-content = ダイヤル画面へ移動
close = 閉じる
cancel = キャンセル
save = 保存
saved = 保存しました
loading = 読み込み中…

## ナビゲーション

nav-label = メイン
nav-phone = 電話
nav-recents = 履歴
nav-settings = 設定
nav-debug = デバッグ

## アカウントの状態

status-heading = アカウント
status-none = アカウントはまだありません。設定で追加するか、今すぐ音声をテストしてください。
status-add-account = アカウントを追加
status-actions = { $account } の操作
account-state-stopped = 停止中
account-state-connecting = 接続中…
account-state-connected = 接続済み
account-state-registering = 登録中…
account-state-registered = 登録済み
account-state-ready = 待受中
account-state-unregistering = 登録解除中…
account-state-failed = 失敗
account-state-failed-reason = 失敗（{ $reason }）
account-state-auth-failed = ユーザー名またはパスワードが違います（{ $code }）
account-started = 開始済み
agentstart = 開始
agentstop = 停止
register = 登録
unregister = 登録解除
debug = デバッグ
debugstart = デバッグを開始
debugstop = デバッグを停止
debug-on = デバッグが有効です
dnd = おやすみモード
dnd-on = おやすみモードが有効です：着信は拒否されます。

## ダイヤル

dialer-heading = ダイヤル
dialer-label = 電話番号または SIP アドレス
dialer-placeholder = 番号、名前、または sip:user@example.com
dialer-call = 発信
dialer-call-target = { $target } に発信
dialer-redial = リダイヤル
dialer-redial-target = { $target } にリダイヤル
dialer-anonymous = 番号を非通知にする
dialer-backspace = 最後の文字を削除
dialer-paste = 貼り付け
dialer-keypad = ダイヤルパッド
dialer-from = 発信元
dialer-from-auto = 最初に使えるアカウント
dialer-normalised = { $target } に発信します
dialer-invalid = 電話番号または SIP アドレスではないようです。
dialer-echo-hint = 音声をテスト：エコー回線に発信
dialer-echo-detail = エコー回線は話した声をそのまま返します。アカウントは不要です。
dialer-echo-call = エコー回線に発信
recent-heading = 最近の番号
recent-empty = 最近の番号はまだありません。
recent-call = { $number } に発信
recent-clear = 最近の番号を消去
call-log-heading = このセッションの通話
call-log-empty = 通話はまだありません。
call-log-incoming = 着信
call-log-outgoing = 発信
call-log-missed = 不在着信
call-log-declined = 拒否
call-log-forwarded = 転送済み
call-log-not_answered = 応答なし
call-log-call-back = { $name } に折り返す
key-1 = 1
key-2 = 2 ABC
key-3 = 3 DEF
key-4 = 4 GHI
key-5 = 5 JKL
key-6 = 6 MNO
key-7 = 7 PQRS
key-8 = 8 TUV
key-9 = 9 WXYZ
key-star = アスタリスク
key-0 = 0 プラス
key-hash = シャープ

## 通話

calls-heading = 通話
call-state-dialing = 発信中…
call-state-ringing = 呼び出し中…
call-state-early_media = 呼び出し中（アーリーメディア）
call-state-incoming = 着信
call-state-active = 通話中
call-state-held = 保留中
call-state-ended = 通話終了
call-held-remote = 相手が保留中
call-echo-name = エコーテスト
call-unknown-caller = 不明な発信者
call-reason-sip = { $code } { $text }
call-on-account = { $account } 経由
call-timer = 通話時間
call-mute = ミュート
call-unmute = ミュート解除
call-muted = マイクはミュート中
call-hold = 保留
call-resume = 再開
call-keypad = キーパッド
call-keypad-hide = キーパッドを隠す
call-hangup = 終話
call-answer = 応答
call-reject = 拒否
call-silence = 着信音を止める
call-forward = 転送…
call-forward-target = 転送先
call-forward-submit = 転送
call-switch = この通話に切り替え
call-waiting = キャッチホン
call-waiting-body = 通話中に { $caller } から着信があります。
call-hold-and-answer = 保留して応答
call-dtmf-label = 送信したトーン
call-dtmf-received = トーン { $digit } を受信
call-mic-level = マイクのレベル
call-speaker-level = スピーカーのレベル
call-level-dbfs = { $value } dBFS
call-level-silent = 無音
call-quality = 通話品質
call-quality-waiting = 測定中…
call-quality-good = 良好
call-quality-fair = 普通
call-quality-poor = 不良
quality-codec = コーデック
quality-jitter = ジッター
quality-loss = 損失
quality-rtt = 往復遅延
quality-mos = MOS
quality-ms = { $value } ms
quality-percent = { $value } %

## 着信と通知

incoming-title = 着信
incoming-from = { $caller } から着信
incoming-on-account = { $account } 宛て
missed-calls =
    { $count ->
        [one] 不在着信 1 件
       *[other] 不在着信 { $count } 件
    }
missed-from = 不在着信：{ $caller }
missed-dismiss = 閉じる
notification-incoming-title = 着信
notification-incoming-body = { $caller } から着信
notification-answer = 応答
notification-decline = 拒否
notification-missed-title = 不在着信
notification-missed-body = { $caller } から着信がありました

## リンク

link-confirm-title = この番号に発信しますか？
link-confirm-body = リンクが { $target } への発信を求めています。
link-confirm-call = 発信
link-confirm-cancel = 発信しない

## 設定：アカウント

settings-heading = 設定
settings-accounts = アカウント
settings-account-new = 新しいアカウント
settings-account-edit = { $account } を編集
settings-account-add = アカウントを追加
settings-account-remove = 削除
settings-account-edit-short = 編集
settings-account-remove-named = { $account } を削除
settings-account-remove-confirm = { $account } を削除しますか？パスワードはキーリングから消去されます。
settings-account-saved = アカウントを保存しました
settings-account-removed = アカウントを削除しました
settings-account-simple = ほとんどのアカウントはこの 3 項目だけで使えます。
address = SIP アドレス
address-hint = 例：alice@example.com
password = パスワード
password-stored = キーリングに保存済みです。変更しない場合は空欄のままにしてください。
password-session = このセッションのみ使用（保存しません）。
password-show = パスワードを表示
registrar = サーバー
registrar-hint = レジストラまたはプロキシ：ホスト、ホスト:ポート、SIP URI、または wss://host/path。空欄の場合はアドレスのドメイン。
settings-advanced = 詳細設定
account-id = アカウント名
account-id-hint = このアカウントの短い名前（例：「仕事」）。
display-name = 表示名
username = ユーザー名
username-hint = 認証ユーザー（アドレスと異なる場合）。
realm = レルム
realm-hint = 空欄の場合はすべてのレルムに応答します。
credential-type = 認証情報の種類
credential-password = パスワード
credential-ha1 = ダイジェスト HA1
credential-bearer_token = Bearer トークン（JWT）
transport = トランスポート
transport-auto = 自動（DNS）
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS
transport-ws = WebSocket（WS）
transport-wss = セキュア WebSocket（WSS）
outbound-proxy = アウトバウンドプロキシ
register-on-start = アプリ起動時に登録する
register-expires = 登録の有効期間（秒）
user-agent = User-Agent
tls-verify = サーバーの TLS 証明書を検証する
tls-verify-off = 証明書の検証がオフです。ネットワーク上の誰かに盗聴されるおそれがあります。
tls-ca-file = 追加の CA 証明書（PEM ファイル）
srtp = メディア暗号化（SRTP）
srtp-off = オフ
srtp-optional = 可能な場合
srtp-mandatory = 必須
codecs = コーデック（優先順）
codecs-hint = カンマ区切り：opus, pcmu, pcma。空欄の場合は既定値。
ice-servers = STUN/TURN サーバー
ice-servers-hint = 1 行に 1 つ：stun:host:port または turn:host:port?transport=udp
custom-headers = カスタムヘッダー
custom-headers-hint = 1 行に 1 つ：名前: 値
no-answer-timeout = 呼び出し時間（秒）
auto-answer = 着信に自動で応答する
reconnect-min = 最初の再接続待ち時間（秒）
reconnect-max = 最長の再接続待ち時間（秒）
remember-secret = パスワードをシステムのキーリングに保存する
keyring-unavailable-title = キーリングを利用できません
keyring-unavailable-body = システムのキーリング（Secret Service）に接続できないため、パスワードを安全に保存できません。このセッションの間だけ使うことができます。次回起動時にもう一度入力を求められます。
keyring-unavailable-detail = 詳細：{ $detail }
keyring-dont-remember = 保存せずに使う
keyring-missing-note = システムのキーリングがありません：パスワードはこのセッションのみ有効です。
field-required = 必須
field-number = 整数を入力してください。

## 設定：オーディオ、外観、起動

settings-audio = オーディオデバイス
device-microphone = マイク
device-speaker = スピーカー
device-ringer = 着信音
device-default = システムの既定
device-default-named = システムの既定（{ $name }）
device-missing = { $name }（未接続）
devices-none = オーディオデバイスが見つかりません。
settings-appearance = 外観
settings-language = 言語
settings-language-system = システムの言語
settings-theme = テーマ
theme-system = システム
theme-light = ライト
theme-dark = ダーク
settings-startup = 起動
settings-start-minimised = トレイに最小化して起動する
settings-start-at-login = ログイン時に起動する
settings-files = ファイル
settings-file-location = 設定ファイル：{ $path }

## デバッグ

debug-heading = デバッグ
debug-toggle = デバッグモード（SIP トレースと詳細ログ）
debug-log-level = ログレベル
log-level-error = エラー
log-level-warn = 警告
log-level-info = 情報
log-level-debug = デバッグ
log-level-trace = すべて
debug-open-logs = ログフォルダーを開く
debug-log-location = ログ：{ $path }
debug-trace = SIP トレース
debug-trace-empty = SIP メッセージはまだありません。デバッグモードをオンにするとトレースされます。
debug-trace-clear = トレースを消去
debug-trace-sent = { $remote } へ送信
debug-trace-received = { $remote } から受信
debug-trace-filter = メッセージを絞り込む

## トレイ

tray-status-none = アカウントなし
tray-status = { $account }：{ $state }
tray-dial = ダイヤル…
tray-recent = 最近の番号
tray-recent-empty = 最近の番号はありません
tray-mute = ミュート
tray-dnd = おやすみモード
tray-show = ウィンドウを表示
tray-hide = ウィンドウを隠す
tray-quit = 終了

## エラー

error-invalid_argument = 一部の設定が正しくありません。
error-invalid_target = その番号またはアドレスには発信できません。
error-unknown_account = そのアカウントはもう存在しません。
error-unknown_call = その通話はすでに終了しています。
error-no_account = まずアカウントを設定してください。音声のテストならエコー回線に発信できます。
error-invalid_state = 現在その操作はできません。
error-keyring_unavailable = システムのキーリングを利用できません。
error-device_unavailable = オーディオデバイスを開けませんでした。
error-network = ネットワークまたはサーバーに接続できません。
error-unsupported = このバージョンではまだ利用できません。
error-engine_stopped = 電話エンジンが停止しました。アプリを再起動してください。
error-unknown = 問題が発生しました。
error-detail = 詳細：{ $detail }
error-dismiss = 閉じる
