# Softphone — Français

app-title = Softphone
skip-to-content = Aller au clavier d'appel
close = Fermer
cancel = Annuler
save = Enregistrer
saved = Enregistré
loading = Chargement…

## Navigation

nav-label = Principal
nav-phone = Téléphone
nav-recents = Récents
nav-settings = Paramètres
nav-debug = Débogage

## État des comptes

status-heading = Comptes
status-none = Aucun compte pour l'instant. Ajoutez-en un dans les paramètres — ou testez votre audio tout de suite.
status-add-account = Ajouter un compte
status-actions = Actions pour { $account }
account-state-stopped = Arrêté
account-state-connecting = Connexion…
account-state-connected = Connecté
account-state-registering = Enregistrement…
account-state-registered = Enregistré
account-state-ready = Prêt
account-state-unregistering = Désenregistrement…
account-state-failed = Échec
account-state-failed-reason = Échec ({ $reason })
account-state-auth-failed = Nom d’utilisateur ou mot de passe incorrect ({ $code })
account-started = Démarré
agentstart = Démarrer
agentstop = Arrêter
register = S'enregistrer
unregister = Se désenregistrer
debug = Débogage
debugstart = Démarrer le débogage
debugstop = Arrêter le débogage
debug-on = Le débogage est actif
dnd = Ne pas déranger
dnd-on = « Ne pas déranger » est actif : les appels entrants sont refusés.

## Numérotation

dialer-heading = Numérotation
dialer-label = Numéro ou adresse SIP
dialer-placeholder = Numéro, nom ou sip:utilisateur@example.com
dialer-call = Appeler
dialer-call-target = Appeler { $target }
dialer-redial = Rappeler
dialer-redial-target = Rappeler { $target }
dialer-anonymous = Masquer mon numéro
dialer-backspace = Effacer le dernier caractère
dialer-paste = Coller
dialer-keypad = Clavier
dialer-from = Appeler depuis
dialer-from-auto = Premier compte prêt
dialer-normalised = Numéro composé : { $target }
dialer-invalid = Ceci ne ressemble pas à un numéro ni à une adresse SIP.
dialer-echo-hint = Testez votre audio : appelez la ligne d'écho
dialer-echo-detail = La ligne d'écho vous renvoie ce que vous dites. Aucun compte n'est nécessaire.
dialer-echo-call = Appeler la ligne d'écho
recent-heading = Numéros récents
recent-empty = Aucun numéro récent.
recent-call = Appeler { $number }
recent-clear = Effacer les numéros récents
call-log-heading = Appels de cette session
call-log-empty = Aucun appel pour l'instant.
call-log-incoming = Entrant
call-log-outgoing = Sortant
call-log-missed = Manqué
call-log-declined = Refusé
call-log-forwarded = Transféré
call-log-not_answered = Sans réponse
call-log-call-back = Rappeler { $name }
key-1 = 1
key-2 = 2 ABC
key-3 = 3 DEF
key-4 = 4 GHI
key-5 = 5 JKL
key-6 = 6 MNO
key-7 = 7 PQRS
key-8 = 8 TUV
key-9 = 9 WXYZ
key-star = Étoile
key-0 = 0 plus
key-hash = Dièse

## Appels

calls-heading = Appels
call-state-dialing = Appel en cours…
call-state-ringing = Ça sonne…
call-state-early_media = Ça sonne (média anticipé)
call-state-incoming = Appel entrant
call-state-active = En communication
call-state-held = En attente
call-state-ended = Appel terminé
call-held-remote = Mis en attente par l'interlocuteur
call-echo-name = Test d'écho
call-unknown-caller = Appelant inconnu
call-reason-sip = { $code } { $text }
call-on-account = via { $account }
call-timer = Durée de l'appel
call-mute = Couper le micro
call-unmute = Rétablir le micro
call-muted = Micro coupé
call-hold = Mettre en attente
call-resume = Reprendre
call-keypad = Clavier
call-keypad-hide = Masquer le clavier
call-hangup = Raccrocher
call-answer = Répondre
call-reject = Refuser
call-silence = Silence
call-forward = Transférer…
call-forward-target = Transférer vers
call-forward-submit = Transférer
call-switch = Passer à cet appel
call-waiting = Double appel
call-waiting-body = { $caller } appelle pendant votre communication.
call-hold-and-answer = Mettre en attente et répondre
call-dtmf-label = Tonalités envoyées
call-dtmf-received = Tonalité { $digit } reçue
call-mic-level = Niveau du micro
call-speaker-level = Niveau du haut-parleur
call-level-dbfs = { $value } dBFS
call-level-silent = Silence
call-quality = Qualité de l'appel
call-quality-waiting = Mesure…
call-quality-good = Bonne
call-quality-fair = Moyenne
call-quality-poor = Mauvaise
quality-codec = Codec
quality-jitter = Gigue
quality-loss = Pertes
quality-rtt = Aller-retour
quality-mos = MOS
quality-ms = { $value } ms
quality-percent = { $value } %

## Appels entrants et notifications

incoming-title = Appel entrant
incoming-from = { $caller } vous appelle
incoming-on-account = sur { $account }
missed-calls =
    { $count ->
        [one] Un appel manqué
       *[other] { $count } appels manqués
    }
missed-from = Manqué : { $caller }
missed-dismiss = Masquer
notification-incoming-title = Appel entrant
notification-incoming-body = { $caller } vous appelle
notification-answer = Répondre
notification-decline = Refuser
notification-missed-title = Appel manqué
notification-missed-body = { $caller } a appelé

## Liens

link-confirm-title = Appeler ce numéro ?
link-confirm-body = Un lien demande d'appeler { $target }.
link-confirm-call = Appeler
link-confirm-cancel = Ne pas appeler

## Paramètres : comptes

settings-heading = Paramètres
settings-accounts = Comptes
settings-account-new = Nouveau compte
settings-account-edit = Modifier { $account }
settings-account-add = Ajouter le compte
settings-account-remove = Supprimer
settings-account-edit-short = Modifier
settings-account-remove-named = Supprimer { $account }
settings-account-remove-confirm = Supprimer { $account } ? Son mot de passe est effacé du trousseau.
settings-account-saved = Compte enregistré
settings-account-removed = Compte supprimé
settings-account-simple = La plupart des comptes n'ont besoin que de ces trois champs.
address = Adresse SIP
address-hint = Par exemple alice@example.com
password = Mot de passe
password-stored = Un secret est enregistré dans le trousseau. Laissez vide pour le conserver.
password-session = Utilisé pour cette session seulement (non mémorisé).
password-show = Afficher le mot de passe
registrar = Serveur
registrar-hint = Registrar ou proxy : hôte, hôte:port, une URI SIP ou wss://hôte/chemin. Vide : le domaine de l'adresse.
settings-advanced = Avancé
account-id = Nom du compte
account-id-hint = Un nom court pour ce compte, par exemple « travail ».
display-name = Nom affiché
username = Nom d'utilisateur
username-hint = Utilisateur d'authentification, s'il diffère de l'adresse.
realm = Domaine (realm)
realm-hint = Vide : répondre à tout realm.
credential-type = Type de secret
credential-password = Mot de passe
credential-ha1 = HA1 (digest)
credential-bearer_token = Jeton Bearer (JWT)
transport = Transport
transport-auto = Automatique (DNS)
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS
transport-ws = WebSocket (WS)
transport-wss = WebSocket sécurisé (WSS)
outbound-proxy = Proxy sortant
register-on-start = S'enregistrer au démarrage de l'application
register-expires = Durée d'enregistrement (secondes)
user-agent = User-Agent
tls-verify = Vérifier le certificat TLS du serveur
tls-verify-off = La vérification des certificats est désactivée : n'importe qui sur le réseau pourrait écouter.
tls-ca-file = Certificat d'autorité supplémentaire (fichier PEM)
srtp = Chiffrement des médias (SRTP)
srtp-off = Désactivé
srtp-optional = Si possible
srtp-mandatory = Obligatoire
codecs = Codecs, préféré en premier
codecs-hint = Séparés par des virgules : opus, pcmu, pcma. Vide : valeurs par défaut.
ice-servers = Serveurs STUN/TURN
ice-servers-hint = Un par ligne : stun:hôte:port ou turn:hôte:port?transport=udp
custom-headers = En-têtes personnalisés
custom-headers-hint = Un par ligne : Nom: valeur
no-answer-timeout = Durée de sonnerie (secondes)
auto-answer = Répondre automatiquement aux appels
reconnect-min = Premier délai de reconnexion (secondes)
reconnect-max = Délai de reconnexion maximal (secondes)
remember-secret = Mémoriser le mot de passe dans le trousseau du système
keyring-unavailable-title = Aucun trousseau disponible
keyring-unavailable-body = Le trousseau du système (Secret Service) est injoignable : le mot de passe ne peut pas être stocké de façon sûre. Vous pouvez l'utiliser pour cette session seulement ; il vous sera redemandé la prochaine fois.
keyring-unavailable-detail = Détails : { $detail }
keyring-dont-remember = Utiliser sans mémoriser
keyring-missing-note = Pas de trousseau système : les mots de passe ne valent que pour la session.
field-required = Obligatoire
field-number = Saisissez un nombre entier.

## Paramètres : audio, apparence, démarrage

settings-audio = Périphériques audio
device-microphone = Microphone
device-speaker = Haut-parleur
device-ringer = Sonnerie
device-default = Par défaut du système
device-default-named = Par défaut du système ({ $name })
device-missing = { $name } (déconnecté)
devices-none = Aucun périphérique audio trouvé.
settings-appearance = Apparence
settings-language = Langue
settings-language-system = Langue du système
settings-theme = Thème
theme-system = Système
theme-light = Clair
theme-dark = Sombre
settings-startup = Démarrage
settings-start-minimised = Démarrer réduit dans la zone de notification
settings-start-at-login = Démarrer à l'ouverture de session
settings-files = Fichiers
settings-file-location = Fichier de paramètres : { $path }

## Débogage

debug-heading = Débogage
debug-toggle = Mode débogage (trace SIP et journaux détaillés)
debug-log-level = Niveau de journalisation
log-level-error = Erreurs
log-level-warn = Avertissements
log-level-info = Informations
log-level-debug = Débogage
log-level-trace = Tout
debug-open-logs = Ouvrir le dossier des journaux
debug-log-location = Journaux : { $path }
debug-trace = Trace SIP
debug-trace-empty = Aucun message SIP pour l'instant. Activez le mode débogage pour les tracer.
debug-trace-clear = Effacer la trace
debug-trace-sent = Envoyé à { $remote }
debug-trace-received = Reçu de { $remote }
debug-trace-filter = Filtrer les messages

## Zone de notification

tray-status-none = Aucun compte
tray-status = { $account } : { $state }
tray-dial = Composer…
tray-recent = Numéros récents
tray-recent-empty = Aucun numéro récent
tray-mute = Couper le micro
tray-dnd = Ne pas déranger
tray-show = Afficher la fenêtre
tray-hide = Masquer la fenêtre
tray-quit = Quitter

## Erreurs

error-invalid_argument = Certains de ces paramètres ne sont pas valides.
error-invalid_target = Ce numéro ou cette adresse ne peut pas être composé.
error-unknown_account = Ce compte n'existe plus.
error-unknown_call = Cet appel est déjà terminé.
error-no_account = Configurez d'abord un compte — ou appelez la ligne d'écho pour tester votre audio.
error-invalid_state = Ce n'est pas possible pour le moment.
error-keyring_unavailable = Le trousseau du système n'est pas disponible.
error-device_unavailable = Le périphérique audio n'a pas pu être ouvert.
error-network = Le réseau ou le serveur est injoignable.
error-unsupported = Ce n'est pas encore disponible dans cette version.
error-engine_stopped = Le moteur téléphonique s'est arrêté. Veuillez redémarrer l'application.
error-unknown = Une erreur s'est produite.
error-detail = Détails : { $detail }
error-dismiss = Masquer
