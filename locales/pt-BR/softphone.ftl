# Softphone — Português (Brasil)

app-title = Softphone
skip-to-content = Ir para o discador
close = Fechar
cancel = Cancelar
save = Salvar
saved = Salvo
loading = Carregando…

## Navegação

nav-label = Principal
nav-phone = Telefone
nav-recents = Recentes
nav-settings = Configurações
nav-debug = Depuração

## Status das contas

status-heading = Contas
status-none = Nenhuma conta ainda. Adicione uma nas Configurações — ou teste seu áudio agora mesmo.
status-add-account = Adicionar uma conta
status-actions = Ações para { $account }
account-state-stopped = Parada
account-state-connecting = Conectando…
account-state-connected = Conectada
account-state-registering = Registrando…
account-state-registered = Registrada
account-state-ready = Pronta
account-state-unregistering = Cancelando registro…
account-state-failed = Falhou
account-state-failed-reason = Falhou ({ $reason })
account-state-auth-failed = Usuário ou senha incorretos ({ $code })
account-started = Iniciada
agentstart = Iniciar
agentstop = Parar
register = Registrar
unregister = Cancelar registro
debug = Depuração
debugstart = Iniciar depuração
debugstop = Parar depuração
debug-on = A depuração está ativa
dnd = Não perturbe
dnd-on = “Não perturbe” está ativo: chamadas recebidas são rejeitadas.

## Discador

dialer-heading = Discador
dialer-label = Número ou endereço SIP
dialer-placeholder = Número, nome ou sip:usuario@example.com
dialer-call = Ligar
dialer-call-target = Ligar para { $target }
dialer-redial = Rediscar
dialer-redial-target = Ligar de novo para { $target }
dialer-anonymous = Ocultar meu número
dialer-backspace = Apagar o último caractere
dialer-paste = Colar
dialer-keypad = Teclado
dialer-from = Ligar de
dialer-from-auto = Primeira conta pronta
dialer-normalised = Será discado { $target }
dialer-invalid = Isso não parece um número nem um endereço SIP.
dialer-echo-hint = Teste seu áudio: ligue para a linha de eco
dialer-echo-detail = A linha de eco devolve o que você fala. Não precisa de conta.
dialer-echo-call = Ligar para a linha de eco
recent-heading = Números recentes
recent-empty = Nenhum número recente ainda.
recent-call = Ligar para { $number }
recent-clear = Limpar números recentes
call-log-heading = Chamadas desta sessão
call-log-empty = Nenhuma chamada ainda.
call-log-incoming = Recebida
call-log-outgoing = Feita
call-log-missed = Perdida
call-log-declined = Recusada
call-log-forwarded = Encaminhada
call-log-not_answered = Não atendida
call-log-call-back = Retornar a chamada de { $name }
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
key-0 = 0 mais
key-hash = Cerquilha

## Chamadas

calls-heading = Chamadas
call-state-dialing = Chamando…
call-state-ringing = Tocando…
call-state-early_media = Tocando (mídia antecipada)
call-state-incoming = Chamada recebida
call-state-active = Conectada
call-state-held = Em espera
call-state-ended = Chamada encerrada
call-held-remote = Colocada em espera pelo outro lado
call-echo-name = Teste de eco
call-unknown-caller = Chamador desconhecido
call-reason-sip = { $code } { $text }
call-on-account = via { $account }
call-timer = Duração da chamada
call-mute = Silenciar
call-unmute = Ativar microfone
call-muted = Microfone silenciado
call-hold = Pôr em espera
call-resume = Retomar
call-keypad = Teclado
call-keypad-hide = Ocultar teclado
call-hangup = Desligar
call-answer = Atender
call-reject = Recusar
call-silence = Silenciar toque
call-forward = Encaminhar…
call-forward-target = Encaminhar para
call-forward-submit = Encaminhar
call-switch = Mudar para esta chamada
call-waiting = Chamada em espera
call-waiting-body = { $caller } está ligando enquanto você está em uma chamada.
call-hold-and-answer = Pôr em espera e atender
call-dtmf-label = Tons enviados
call-dtmf-received = Tom { $digit } recebido
call-mic-level = Nível do microfone
call-speaker-level = Nível do alto-falante
call-level-dbfs = { $value } dBFS
call-level-silent = Silêncio
call-quality = Qualidade da chamada
call-quality-waiting = Medindo…
call-quality-good = Boa
call-quality-fair = Razoável
call-quality-poor = Ruim
quality-codec = Codec
quality-jitter = Jitter
quality-loss = Perda
quality-rtt = Ida e volta
quality-mos = MOS
quality-ms = { $value } ms
quality-percent = { $value } %

## Chamadas recebidas e notificações

incoming-title = Chamada recebida
incoming-from = { $caller } está ligando
incoming-on-account = em { $account }
missed-calls =
    { $count ->
        [one] Uma chamada perdida
       *[other] { $count } chamadas perdidas
    }
missed-from = Perdida: { $caller }
missed-dismiss = Dispensar
notification-incoming-title = Chamada recebida
notification-incoming-body = { $caller } está ligando
notification-answer = Atender
notification-decline = Recusar
notification-missed-title = Chamada perdida
notification-missed-body = { $caller } ligou

## Links

link-confirm-title = Ligar para este número?
link-confirm-body = Um link pede para ligar para { $target }.
link-confirm-call = Ligar
link-confirm-cancel = Não ligar

## Configurações: contas

settings-heading = Configurações
settings-accounts = Contas
settings-account-new = Nova conta
settings-account-edit = Editar { $account }
settings-account-add = Adicionar conta
settings-account-remove = Remover
settings-account-edit-short = Editar
settings-account-remove-named = Remover { $account }
settings-account-remove-confirm = Remover { $account }? A senha será apagada do chaveiro.
settings-account-saved = Conta salva
settings-account-removed = Conta removida
settings-account-simple = A maioria das contas precisa apenas destes três campos.
address = Endereço SIP
address-hint = Por exemplo alice@example.com
password = Senha
password-stored = Há um segredo guardado no chaveiro. Deixe em branco para mantê-lo.
password-session = Usada só nesta sessão (não será lembrada).
password-show = Mostrar senha
registrar = Servidor
registrar-hint = Registrador ou proxy: host, host:porta, uma URI SIP ou wss://host/caminho. Vazio: o domínio do endereço.
settings-advanced = Avançado
account-id = Nome da conta
account-id-hint = Um nome curto para esta conta, por exemplo “trabalho”.
display-name = Nome de exibição
username = Nome de usuário
username-hint = Usuário de autenticação, se for diferente do endereço.
realm = Domínio (realm)
realm-hint = Vazio: responder a qualquer realm.
credential-type = Tipo de segredo
credential-password = Senha
credential-ha1 = HA1 (digest)
credential-bearer_token = Token Bearer (JWT)
transport = Transporte
transport-auto = Automático (DNS)
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS
transport-ws = WebSocket (WS)
transport-wss = WebSocket seguro (WSS)
outbound-proxy = Proxy de saída
register-on-start = Registrar ao iniciar o aplicativo
register-expires = Validade do registro (segundos)
user-agent = User-Agent
tls-verify = Verificar o certificado TLS do servidor
tls-verify-off = A verificação de certificados está desligada: qualquer pessoa na rede poderia ouvir.
tls-ca-file = Certificado de CA adicional (arquivo PEM)
srtp = Criptografia de mídia (SRTP)
srtp-off = Desligada
srtp-optional = Quando possível
srtp-mandatory = Obrigatória
codecs = Codecs, o preferido primeiro
codecs-hint = Separados por vírgulas: opus, pcmu, pcma. Vazio: os padrões.
ice-servers = Servidores STUN/TURN
ice-servers-hint = Um por linha: stun:host:porta ou turn:host:porta?transport=udp
custom-headers = Cabeçalhos personalizados
custom-headers-hint = Um por linha: Nome: valor
no-answer-timeout = Tempo de toque (segundos)
auto-answer = Atender chamadas automaticamente
reconnect-min = Primeira espera para reconectar (segundos)
reconnect-max = Maior espera para reconectar (segundos)
remember-secret = Lembrar a senha no chaveiro do sistema
keyring-unavailable-title = Nenhum chaveiro disponível
keyring-unavailable-body = O chaveiro do sistema (Secret Service) não pode ser acessado, então a senha não pode ser guardada com segurança. Você pode usá-la apenas nesta sessão; ela será pedida de novo na próxima vez.
keyring-unavailable-detail = Detalhes: { $detail }
keyring-dont-remember = Usar sem lembrar
keyring-missing-note = Sem chaveiro do sistema: as senhas valem só para a sessão.
field-required = Obrigatório
field-number = Digite um número inteiro.

## Configurações: áudio, aparência, inicialização

settings-audio = Dispositivos de áudio
device-microphone = Microfone
device-speaker = Alto-falante
device-ringer = Campainha
device-default = Padrão do sistema
device-default-named = Padrão do sistema ({ $name })
device-missing = { $name } (desconectado)
devices-none = Nenhum dispositivo de áudio encontrado.
settings-appearance = Aparência
settings-language = Idioma
settings-language-system = Idioma do sistema
settings-theme = Tema
theme-system = Sistema
theme-light = Claro
theme-dark = Escuro
settings-startup = Inicialização
settings-start-minimised = Iniciar minimizado na bandeja
settings-start-at-login = Iniciar ao entrar na sessão
settings-files = Arquivos
settings-file-location = Arquivo de configurações: { $path }

## Depuração

debug-heading = Depuração
debug-toggle = Modo de depuração (rastreamento SIP e registros detalhados)
debug-log-level = Nível de registro
log-level-error = Erros
log-level-warn = Avisos
log-level-info = Informações
log-level-debug = Depuração
log-level-trace = Tudo
debug-open-logs = Abrir a pasta de registros
debug-log-location = Registros: { $path }
debug-trace = Rastreamento SIP
debug-trace-empty = Nenhuma mensagem SIP ainda. Ative o modo de depuração para rastreá-las.
debug-trace-clear = Limpar rastreamento
debug-trace-sent = Enviada para { $remote }
debug-trace-received = Recebida de { $remote }
debug-trace-filter = Filtrar mensagens

## Bandeja

tray-status-none = Nenhuma conta
tray-status = { $account }: { $state }
tray-dial = Discar…
tray-recent = Números recentes
tray-recent-empty = Nenhum número recente
tray-mute = Silenciar
tray-dnd = Não perturbe
tray-show = Mostrar janela
tray-hide = Ocultar janela
tray-quit = Sair

## Erros

error-invalid_argument = Algumas destas configurações não são válidas.
error-invalid_target = Esse número ou endereço não pode ser discado.
error-unknown_account = Essa conta não existe mais.
error-unknown_call = Essa chamada já terminou.
error-no_account = Configure uma conta primeiro — ou ligue para a linha de eco para testar seu áudio.
error-invalid_state = Isso não é possível agora.
error-keyring_unavailable = O chaveiro do sistema não está disponível.
error-device_unavailable = Não foi possível abrir o dispositivo de áudio.
error-network = A rede ou o servidor não pode ser alcançado.
error-unsupported = Isso ainda não está disponível nesta versão.
error-engine_stopped = O motor do telefone parou. Reinicie o aplicativo.
error-unknown = Algo deu errado.
error-detail = Detalhes: { $detail }
error-dismiss = Dispensar
