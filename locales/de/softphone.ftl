# Softphone — Deutsch

app-title = Softphone
skip-to-content = Zum Wählfeld springen
close = Schließen
cancel = Abbrechen
save = Speichern
saved = Gespeichert
loading = Wird geladen…

## Navigation

nav-label = Hauptmenü
nav-phone = Telefon
nav-recents = Verlauf
nav-settings = Einstellungen
nav-debug = Diagnose

## Kontostatus

status-heading = Konten
status-none = Noch kein Konto. Legen Sie eines in den Einstellungen an – oder testen Sie gleich Ihr Audio.
status-add-account = Konto hinzufügen
status-actions = Aktionen für { $account }
account-state-stopped = Gestoppt
account-state-connecting = Verbindet…
account-state-connected = Verbunden
account-state-registering = Registriert…
account-state-registered = Registriert
account-state-ready = Bereit
account-state-unregistering = Meldet ab…
account-state-failed = Fehlgeschlagen
account-state-failed-reason = Fehlgeschlagen ({ $reason })
account-state-auth-failed = Benutzername oder Passwort falsch ({ $code })
account-started = Gestartet
agentstart = Starten
agentstop = Stoppen
register = Registrieren
unregister = Abmelden
debug = Diagnose
debugstart = Diagnose starten
debugstop = Diagnose beenden
debug-on = Diagnose ist aktiv
dnd = Nicht stören
dnd-on = „Nicht stören“ ist aktiv: eingehende Anrufe werden abgewiesen.

## Wählen

dialer-heading = Wählen
dialer-label = Rufnummer oder SIP-Adresse
dialer-placeholder = Nummer, Name oder sip:nutzer@example.com
dialer-call = Anrufen
dialer-call-target = { $target } anrufen
dialer-redial = Wahlwiederholung
dialer-redial-target = { $target } erneut wählen
dialer-anonymous = Meine Nummer unterdrücken
dialer-backspace = Letztes Zeichen löschen
dialer-paste = Einfügen
dialer-keypad = Wähltastatur
dialer-from = Anrufen über
dialer-from-auto = Erstes bereites Konto
dialer-normalised = Gewählt wird { $target }
dialer-invalid = Das sieht nicht nach einer Nummer oder SIP-Adresse aus.
dialer-echo-hint = Audio testen: die Echo-Leitung anrufen
dialer-echo-detail = Die Echo-Leitung spielt zurück, was Sie sagen. Sie braucht kein Konto.
dialer-echo-call = Echo-Leitung anrufen
recent-heading = Zuletzt gewählt
recent-empty = Noch keine gewählten Nummern.
recent-call = { $number } anrufen
recent-clear = Verlauf löschen
call-log-heading = Anrufe dieser Sitzung
call-log-empty = Noch keine Anrufe.
call-log-incoming = Eingehend
call-log-outgoing = Ausgehend
call-log-missed = Verpasst
call-log-declined = Abgelehnt
call-log-forwarded = Weitergeleitet
call-log-not_answered = Nicht angenommen
call-log-call-back = { $name } zurückrufen
key-1 = 1
key-2 = 2 ABC
key-3 = 3 DEF
key-4 = 4 GHI
key-5 = 5 JKL
key-6 = 6 MNO
key-7 = 7 PQRS
key-8 = 8 TUV
key-9 = 9 WXYZ
key-star = Stern
key-0 = 0 plus
key-hash = Raute

## Anrufe

calls-heading = Anrufe
call-state-dialing = Wählt…
call-state-ringing = Klingelt…
call-state-early_media = Klingelt (Early Media)
call-state-incoming = Eingehender Anruf
call-state-active = Verbunden
call-state-held = Gehalten
call-state-ended = Anruf beendet
call-held-remote = Von der Gegenseite gehalten
call-echo-name = Echo-Test
call-unknown-caller = Unbekannter Anrufer
call-reason-sip = { $code } { $text }
call-on-account = über { $account }
call-timer = Gesprächsdauer
call-mute = Stumm
call-unmute = Stumm aus
call-muted = Mikrofon stummgeschaltet
call-hold = Halten
call-resume = Fortsetzen
call-keypad = Tastenfeld
call-keypad-hide = Tastenfeld ausblenden
call-hangup = Auflegen
call-answer = Annehmen
call-reject = Ablehnen
call-silence = Stumm klingeln
call-forward = Weiterleiten…
call-forward-target = Weiterleiten an
call-forward-submit = Weiterleiten
call-switch = Zu diesem Anruf wechseln
call-waiting = Anklopfen
call-waiting-body = { $caller } ruft an, während Sie telefonieren.
call-hold-and-answer = Halten und annehmen
call-dtmf-label = Gesendete Töne
call-dtmf-received = Ton { $digit } empfangen
call-mic-level = Mikrofonpegel
call-speaker-level = Lautsprecherpegel
call-level-dbfs = { $value } dBFS
call-level-silent = Stille
call-quality = Gesprächsqualität
call-quality-waiting = Wird gemessen…
call-quality-good = Gut
call-quality-fair = Mittel
call-quality-poor = Schlecht
quality-codec = Codec
quality-jitter = Jitter
quality-loss = Verlust
quality-rtt = Umlaufzeit
quality-mos = MOS
quality-ms = { $value } ms
quality-percent = { $value } %

## Eingehende Anrufe und Benachrichtigungen

incoming-title = Eingehender Anruf
incoming-from = { $caller } ruft an
incoming-on-account = auf { $account }
missed-calls =
    { $count ->
        [one] Ein verpasster Anruf
       *[other] { $count } verpasste Anrufe
    }
missed-from = Verpasst: { $caller }
missed-dismiss = Ausblenden
notification-incoming-title = Eingehender Anruf
notification-incoming-body = { $caller } ruft an
notification-answer = Annehmen
notification-decline = Ablehnen
notification-missed-title = Verpasster Anruf
notification-missed-body = { $caller } hat angerufen

## Links

link-confirm-title = Diese Nummer anrufen?
link-confirm-body = Ein Link möchte { $target } anrufen.
link-confirm-call = Anrufen
link-confirm-cancel = Nicht anrufen

## Einstellungen: Konten

settings-heading = Einstellungen
settings-accounts = Konten
settings-account-new = Neues Konto
settings-account-edit = { $account } bearbeiten
settings-account-add = Konto hinzufügen
settings-account-remove = Entfernen
settings-account-edit-short = Bearbeiten
settings-account-remove-named = { $account } entfernen
settings-account-remove-confirm = { $account } entfernen? Das Passwort wird aus dem Schlüsselbund gelöscht.
settings-account-saved = Konto gespeichert
settings-account-removed = Konto entfernt
settings-account-simple = Die meisten Konten brauchen nur diese drei Felder.
address = SIP-Adresse
address-hint = Zum Beispiel alice@example.com
password = Passwort
password-stored = Ein Geheimnis liegt im Schlüsselbund. Leer lassen, um es zu behalten.
password-session = Nur für diese Sitzung (nicht gespeichert).
password-show = Passwort anzeigen
registrar = Server
registrar-hint = Registrar oder Proxy: Host, Host:Port, eine SIP-URI oder wss://host/pfad. Leer: die Domain der Adresse.
settings-advanced = Erweitert
account-id = Kontoname
account-id-hint = Ein kurzer Name für dieses Konto, zum Beispiel „arbeit“.
display-name = Anzeigename
username = Benutzername
username-hint = Anmeldename, falls er von der Adresse abweicht.
realm = Realm
realm-hint = Leer: jeden Realm beantworten.
credential-type = Art des Geheimnisses
credential-password = Passwort
credential-ha1 = Digest-HA1
credential-bearer_token = Bearer-Token (JWT)
transport = Transport
transport-auto = Automatisch (DNS)
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS
transport-ws = WebSocket (WS)
transport-wss = Sicherer WebSocket (WSS)
outbound-proxy = Ausgehender Proxy
register-on-start = Beim Start registrieren
register-expires = Registrierungsdauer (Sekunden)
user-agent = User-Agent
tls-verify = TLS-Zertifikat des Servers prüfen
tls-verify-off = Die Zertifikatsprüfung ist aus: Jeder im Netz könnte mithören.
tls-ca-file = Zusätzliches CA-Zertifikat (PEM-Datei)
srtp = Medienverschlüsselung (SRTP)
srtp-off = Aus
srtp-optional = Wenn möglich
srtp-mandatory = Erforderlich
codecs = Codecs, bevorzugter zuerst
codecs-hint = Durch Kommas getrennt: opus, pcmu, pcma. Leer: die Voreinstellung.
ice-servers = STUN/TURN-Server
ice-servers-hint = Einer pro Zeile: stun:host:port oder turn:host:port?transport=udp
custom-headers = Eigene Header
custom-headers-hint = Einer pro Zeile: Name: Wert
no-answer-timeout = Klingeldauer (Sekunden)
auto-answer = Anrufe automatisch annehmen
reconnect-min = Erste Wartezeit bis zur Neuverbindung (Sekunden)
reconnect-max = Längste Wartezeit bis zur Neuverbindung (Sekunden)
remember-secret = Passwort im Schlüsselbund des Systems speichern
keyring-unavailable-title = Kein Schlüsselbund verfügbar
keyring-unavailable-body = Der Schlüsselbund des Systems (Secret Service) ist nicht erreichbar, daher kann das Passwort nicht sicher gespeichert werden. Sie können es nur für diese Sitzung verwenden; beim nächsten Start werden Sie erneut gefragt.
keyring-unavailable-detail = Details: { $detail }
keyring-dont-remember = Ohne Speichern verwenden
keyring-missing-note = Kein Schlüsselbund: Passwörter gelten nur für die Sitzung.
field-required = Pflichtfeld
field-number = Bitte eine ganze Zahl eingeben.

## Einstellungen: Audio, Darstellung, Start

settings-audio = Audiogeräte
device-microphone = Mikrofon
device-speaker = Lautsprecher
device-ringer = Klingelton
device-default = Systemstandard
device-default-named = Systemstandard ({ $name })
device-missing = { $name } (getrennt)
devices-none = Keine Audiogeräte gefunden.
settings-appearance = Darstellung
settings-language = Sprache
settings-language-system = Systemsprache
settings-theme = Design
theme-system = System
theme-light = Hell
theme-dark = Dunkel
settings-startup = Start
settings-start-minimised = Minimiert im Infobereich starten
settings-start-at-login = Bei der Anmeldung starten
settings-files = Dateien
settings-file-location = Einstellungsdatei: { $path }

## Diagnose

debug-heading = Diagnose
debug-toggle = Diagnosemodus (SIP-Mitschnitt und ausführliche Protokolle)
debug-log-level = Protokollstufe
log-level-error = Fehler
log-level-warn = Warnungen
log-level-info = Informationen
log-level-debug = Diagnose
log-level-trace = Alles
debug-open-logs = Protokollordner öffnen
debug-log-location = Protokolle: { $path }
debug-trace = SIP-Mitschnitt
debug-trace-empty = Noch keine SIP-Nachrichten. Schalten Sie den Diagnosemodus ein, um sie mitzuschneiden.
debug-trace-clear = Mitschnitt leeren
debug-trace-sent = Gesendet an { $remote }
debug-trace-received = Empfangen von { $remote }
debug-trace-filter = Nachrichten filtern

## Infobereich

tray-status-none = Kein Konto
tray-status = { $account }: { $state }
tray-dial = Wählen…
tray-recent = Zuletzt gewählt
tray-recent-empty = Keine gewählten Nummern
tray-mute = Stumm
tray-dnd = Nicht stören
tray-show = Fenster anzeigen
tray-hide = Fenster ausblenden
tray-quit = Beenden

## Fehler

error-invalid_argument = Einige dieser Einstellungen sind ungültig.
error-invalid_target = Diese Nummer oder Adresse kann nicht gewählt werden.
error-unknown_account = Dieses Konto gibt es nicht mehr.
error-unknown_call = Dieser Anruf ist bereits beendet.
error-no_account = Richten Sie zuerst ein Konto ein – oder rufen Sie die Echo-Leitung an, um Ihr Audio zu testen.
error-invalid_state = Das ist gerade nicht möglich.
error-keyring_unavailable = Der Schlüsselbund des Systems ist nicht verfügbar.
error-device_unavailable = Das Audiogerät konnte nicht geöffnet werden.
error-network = Netzwerk oder Server sind nicht erreichbar.
error-unsupported = Das ist in dieser Version noch nicht verfügbar.
error-engine_stopped = Die Telefon-Engine wurde beendet. Bitte starten Sie die App neu.
error-unknown = Etwas ist schiefgelaufen.
error-detail = Details: { $detail }
error-dismiss = Ausblenden
