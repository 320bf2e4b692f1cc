# Softphone — Español

app-title = Softphone
skip-to-content = Ir al marcador
close = Cerrar
cancel = Cancelar
save = Guardar
saved = Guardado
loading = Cargando…

## Navegación

nav-label = Principal
nav-phone = Teléfono
nav-recents = Recientes
nav-settings = Ajustes
nav-debug = Depuración

## Estado de las cuentas

status-heading = Cuentas
status-none = Aún no hay ninguna cuenta. Añada una en Ajustes, o pruebe su audio ahora mismo.
status-add-account = Añadir una cuenta
status-actions = Acciones de { $account }
account-state-stopped = Detenida
account-state-connecting = Conectando…
account-state-connected = Conectada
account-state-registering = Registrando…
account-state-registered = Registrada
account-state-ready = Lista
account-state-unregistering = Anulando el registro…
account-state-failed = Error
account-state-failed-reason = Error ({ $reason })
account-state-auth-failed = Usuario o contraseña incorrectos ({ $code })
account-started = Iniciada
agentstart = Iniciar
agentstop = Detener
register = Registrar
unregister = Anular registro
debug = Depuración
debugstart = Iniciar depuración
debugstop = Detener depuración
debug-on = La depuración está activa
dnd = No molestar
dnd-on = «No molestar» está activo: las llamadas entrantes se rechazan.

## Marcador

dialer-heading = Marcador
dialer-label = Número o dirección SIP
dialer-placeholder = Número, nombre o sip:usuario@example.com
dialer-call = Llamar
dialer-call-target = Llamar a { $target }
dialer-redial = Rellamar
dialer-redial-target = Volver a llamar a { $target }
dialer-anonymous = Ocultar mi número
dialer-backspace = Borrar el último carácter
dialer-paste = Pegar
dialer-keypad = Teclado
dialer-from = Llamar desde
dialer-from-auto = Primera cuenta lista
dialer-normalised = Se marcará { $target }
dialer-invalid = Esto no parece un número ni una dirección SIP.
dialer-echo-hint = Pruebe su audio: llame a la línea de eco
dialer-echo-detail = La línea de eco le devuelve lo que dice. No necesita cuenta.
dialer-echo-call = Llamar a la línea de eco
recent-heading = Números recientes
recent-empty = Todavía no hay números recientes.
recent-call = Llamar a { $number }
recent-clear = Borrar los números recientes
call-log-heading = Llamadas de esta sesión
call-log-empty = Todavía no hay llamadas.
call-log-incoming = Entrante
call-log-outgoing = Saliente
call-log-missed = Perdida
call-log-declined = Rechazada
call-log-forwarded = Desviada
call-log-not_answered = Sin respuesta
call-log-call-back = Devolver la llamada a { $name }
key-1 = 1
key-2 = 2 ABC
key-3 = 3 DEF
key-4 = 4 GHI
key-5 = 5 JKL
key-6 = 6 MNO
key-7 = 7 PQRS
key-8 = 8 TUV
key-9 = 9 WXYZ
key-star = Asterisco
key-0 = 0 más
key-hash = Almohadilla

## Llamadas

calls-heading = Llamadas
call-state-dialing = Llamando…
call-state-ringing = Sonando…
call-state-early_media = Sonando (medios anticipados)
call-state-incoming = Llamada entrante
call-state-active = Conectada
call-state-held = En espera
call-state-ended = Llamada finalizada
call-held-remote = En espera por la otra parte
call-echo-name = Prueba de eco
call-unknown-caller = Llamante desconocido
call-reason-sip = { $code } { $text }
call-on-account = mediante { $account }
call-timer = Duración de la llamada
call-mute = Silenciar
call-unmute = Activar micrófono
call-muted = Micrófono silenciado
call-hold = Poner en espera
call-resume = Reanudar
call-keypad = Teclado
call-keypad-hide = Ocultar teclado
call-hangup = Colgar
call-answer = Contestar
call-reject = Rechazar
call-silence = Silenciar timbre
call-forward = Desviar…
call-forward-target = Desviar a
call-forward-submit = Desviar
call-switch = Cambiar a esta llamada
call-waiting = Llamada en espera
call-waiting-body = { $caller } llama mientras está en una llamada.
call-hold-and-answer = Poner en espera y contestar
call-dtmf-label = Tonos enviados
call-dtmf-received = Tono { $digit } recibido
call-mic-level = Nivel del micrófono
call-speaker-level = Nivel del altavoz
call-level-dbfs = { $value } dBFS
call-level-silent = Silencio
call-quality = Calidad de la llamada
call-quality-waiting = Midiendo…
call-quality-good = Buena
call-quality-fair = Regular
call-quality-poor = Mala
quality-codec = Códec
quality-jitter = Jitter
quality-loss = Pérdida
quality-rtt = Ida y vuelta
quality-mos = MOS
quality-ms = { $value } ms
quality-percent = { $value } %

## Llamadas entrantes y notificaciones

incoming-title = Llamada entrante
incoming-from = { $caller } está llamando
incoming-on-account = en { $account }
missed-calls =
    { $count ->
        [one] Una llamada perdida
       *[other] { $count } llamadas perdidas
    }
missed-from = Perdida: { $caller }
missed-dismiss = Descartar
notification-incoming-title = Llamada entrante
notification-incoming-body = { $caller } está llamando
notification-answer = Contestar
notification-decline = Rechazar
notification-missed-title = Llamada perdida
notification-missed-body = { $caller } llamó

## Enlaces

link-confirm-title = ¿Llamar a este número?
link-confirm-body = Un enlace pide llamar a { $target }.
link-confirm-call = Llamar
link-confirm-cancel = No llamar

## Ajustes: cuentas

settings-heading = Ajustes
settings-accounts = Cuentas
settings-account-new = Cuenta nueva
settings-account-edit = Editar { $account }
settings-account-add = Añadir cuenta
settings-account-remove = Eliminar
settings-account-edit-short = Editar
settings-account-remove-named = Eliminar { $account }
settings-account-remove-confirm = ¿Eliminar { $account }? Su contraseña se borra del llavero.
settings-account-saved = Cuenta guardada
settings-account-removed = Cuenta eliminada
settings-account-simple = La mayoría de las cuentas solo necesitan estos tres campos.
address = Dirección SIP
address-hint = Por ejemplo alice@example.com
password = Contraseña
password-stored = Hay un secreto guardado en el llavero. Déjelo vacío para conservarlo.
password-session = Solo para esta sesión (no se recuerda).
password-show = Mostrar contraseña
registrar = Servidor
registrar-hint = Registrador o proxy: host, host:puerto, una URI SIP o wss://host/ruta. Vacío: el dominio de la dirección.
settings-advanced = Avanzado
account-id = Nombre de la cuenta
account-id-hint = Un nombre corto para esta cuenta, por ejemplo «trabajo».
display-name = Nombre visible
username = Nombre de usuario
username-hint = Usuario de autenticación, si es distinto de la dirección.
realm = Dominio (realm)
realm-hint = Vacío: responder a cualquier realm.
credential-type = Tipo de secreto
credential-password = Contraseña
credential-ha1 = HA1 (digest)
credential-bearer_token = Token Bearer (JWT)
transport = Transporte
transport-auto = Automático (DNS)
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS
transport-ws = WebSocket (WS)
transport-wss = WebSocket seguro (WSS)
outbound-proxy = Proxy de salida
register-on-start = Registrar al iniciar la aplicación
register-expires = Duración del registro (segundos)
user-agent = User-Agent
tls-verify = Verificar el certificado TLS del servidor
tls-verify-off = La verificación de certificados está desactivada: cualquiera en la red podría escuchar.
tls-ca-file = Certificado de CA adicional (archivo PEM)
srtp = Cifrado de medios (SRTP)
srtp-off = Desactivado
srtp-optional = Cuando sea posible
srtp-mandatory = Obligatorio
codecs = Códecs, el preferido primero
codecs-hint = Separados por comas: opus, pcmu, pcma. Vacío: los predeterminados.
ice-servers = Servidores STUN/TURN
ice-servers-hint = Uno por línea: stun:host:puerto o turn:host:puerto?transport=udp
custom-headers = Cabeceras personalizadas
custom-headers-hint = Una por línea: Nombre: valor
no-answer-timeout = Tiempo de timbre (segundos)
auto-answer = Contestar llamadas automáticamente
reconnect-min = Primera espera para reconectar (segundos)
reconnect-max = Espera máxima para reconectar (segundos)
remember-secret = Recordar la contraseña en el llavero del sistema
keyring-unavailable-title = No hay llavero disponible
keyring-unavailable-body = No se puede acceder al llavero del sistema (Secret Service), así que la contraseña no puede guardarse de forma segura. Puede usarla solo durante esta sesión; se le volverá a pedir la próxima vez.
keyring-unavailable-detail = Detalles: { $detail }
keyring-dont-remember = Usar sin recordar
keyring-missing-note = Sin llavero del sistema: las contraseñas solo valen para la sesión.
field-required = Obligatorio
field-number = Introduzca un número entero.

## Ajustes: audio, apariencia, inicio

settings-audio = Dispositivos de audio
device-microphone = Micrófono
device-speaker = Altavoz
device-ringer = Timbre
device-default = Predeterminado del sistema
device-default-named = Predeterminado del sistema ({ $name })
device-missing = { $name } (desconectado)
devices-none = No se encontraron dispositivos de audio.
settings-appearance = Apariencia
settings-language = Idioma
settings-language-system = Idioma del sistema
settings-theme = Tema
theme-system = Sistema
theme-light = Claro
theme-dark = Oscuro
settings-startup = Inicio
settings-start-minimised = Iniciar minimizado en la bandeja
settings-start-at-login = Iniciar al abrir la sesión
settings-files = Archivos
settings-file-location = Archivo de ajustes: { $path }

## Depuración

debug-heading = Depuración
debug-toggle = Modo de depuración (traza SIP y registros detallados)
debug-log-level = Nivel de registro
log-level-error = Errores
log-level-warn = Advertencias
log-level-info = Información
log-level-debug = Depuración
log-level-trace = Todo
debug-open-logs = Abrir la carpeta de registros
debug-log-location = Registros: { $path }
debug-trace = Traza SIP
debug-trace-empty = Aún no hay mensajes SIP. Active el modo de depuración para trazarlos.
debug-trace-clear = Borrar la traza
debug-trace-sent = Enviado a { $remote }
debug-trace-received = Recibido de { $remote }
debug-trace-filter = Filtrar mensajes

## Bandeja

tray-status-none = Sin cuenta
tray-status = { $account }: { $state }
tray-dial = Marcar…
tray-recent = Números recientes
tray-recent-empty = Sin números recientes
tray-mute = Silenciar
tray-dnd = No molestar
tray-show = Mostrar ventana
tray-hide = Ocultar ventana
tray-quit = Salir

## Errores

error-invalid_argument = Algunos de estos ajustes no son válidos.
error-invalid_target = Ese número o dirección no se puede marcar.
error-unknown_account = Esa cuenta ya no existe.
error-unknown_call = Esa llamada ya ha terminado.
error-no_account = Configure primero una cuenta, o llame a la línea de eco para probar su audio.
error-invalid_state = Eso no es posible en este momento.
error-keyring_unavailable = El llavero del sistema no está disponible.
error-device_unavailable = No se pudo abrir el dispositivo de audio.
error-network = No se puede alcanzar la red o el servidor.
error-unsupported = Esto aún no está disponible en esta versión.
error-engine_stopped = El motor telefónico se ha detenido. Reinicie la aplicación.
error-unknown = Algo salió mal.
error-detail = Detalles: { $detail }
error-dismiss = Descartar
